#!/usr/bin/env bash
# Extract every message from the code and merge it into the catalogues, ready to translate.
# Usage:  bash scripts/i18n.sh
# New messages arrive in locale/zh_CN/LC_MESSAGES/personalab.po with an empty msgstr
# (tests/core/test_i18n_catalogue.py fails until each has its Chinese); messages no longer
# in the code are kept as obsolete (#~) entries so a translation is never lost.
set -euo pipefail
cd "$(dirname "$0")/.."
POT=$(mktemp /tmp/personalab.XXXXXX.pot)
trap 'rm -f "$POT"' EXIT
python -m babel.messages.frontend -q extract -F babel.cfg \
  --no-default-keywords -k tr -k N_ -k ntr:1,2 \
  --add-comments=Translators: --sort-by-file --no-wrap \
  --project=PersonaLab -o "$POT" . >/dev/null
for locale in en zh_CN; do
  po="locale/$locale/LC_MESSAGES/personalab.po"
  if [ -f "$po" ]; then
    python -m babel.messages.frontend -q update -i "$POT" -D personalab -d locale -l "$locale" \
      --no-fuzzy-matching --no-wrap >/dev/null
  else
    python -m babel.messages.frontend -q init -i "$POT" -D personalab -d locale -l "$locale" \
      --no-wrap >/dev/null
  fi
done
python -m core.i18n.maintain  # fold translators' part files in; count what is left
