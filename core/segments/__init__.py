from core.segments.segmentation import SegmentParams as SegmentParams
