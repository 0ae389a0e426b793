"""Synthetic social-media data with planted personas, for demos, tests and benchmarks.

:func:`generate` builds a brand's followers on seven platforms over ``days`` days: an
events table in the canonical layout, a users table with demographics, a campaign A/B
experiment (one row per user), campaign costs, and the planted truth
(``truth.persona``). Six personas are planted, each with its own activity level, mix of
event types, active hours, weekend habit, platform and content-format mix, purchase
size and comment tone:

========================  =====  =================================================
persona                   share  signature
========================  =====  =================================================
``lurker``                 30 %  many views, almost no interaction, rare purchase
``engaged_fan``            20 %  likes, comments and saves a lot, in the evening
``kol_sharer``              8 %  shares and follows, many followers (heavy tail)
``big_spender``            10 %  few but large purchases, WeChat and Xiaohongshu
``bargain_hunter``         17 %  many small purchases, campaign clicks, weekends
``dormant``                15 %  active in the first weeks only, silent for 45+ days
========================  =====  =================================================

Modules:

- ``personas``: the vocabularies and the persona definitions, as data (``PERSONAS``);
- ``generator``: :func:`generate`, the vectorised generator of users and events;
- ``campaigns``: the campaign schedule, the A/B test and the campaign spend;
- ``draws``: the vectorised random draws the generator uses;
- ``files``: :func:`write_sample`, the sample as CSV files.
"""

from core.data.synth.files import SAMPLE_FILES, write_sample
from core.data.synth.generator import SyntheticData, generate
from core.data.synth.personas import PERSONA_NAMES, PERSONAS, Persona

__all__ = [
    "PERSONAS",
    "PERSONA_NAMES",
    "SAMPLE_FILES",
    "Persona",
    "SyntheticData",
    "generate",
    "write_sample",
]
