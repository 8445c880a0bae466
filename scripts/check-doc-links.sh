#!/usr/bin/env bash
# Checks every relative link in README.md and docs/*.md: the file (or folder) must exist; a #anchor into a
# Markdown file must name one of its headings; a #L<n> anchor must name a line the file has.
# Prints one line per broken link and exits 1 if there is any. Run from anywhere: scripts/check-doc-links.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# GitHub-style anchors of a Markdown file's headings (outside code fences).
anchors() {
  awk '/^```/ { fence = !fence; next } !fence && /^#+ / { sub(/^#+ +/, ""); print }' "$1" |
    tr '[:upper:]' '[:lower:]' | LC_ALL=C sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}

broken=0 checked=0
for doc in README.md docs/*.md; do
  dir=$(dirname "$doc")
  # Inline links ](target), outside code fences; external and mail links are not checked.
  while IFS= read -r target; do
    case "$target" in http://* | https://* | mailto:*) continue ;; esac
    checked=$((checked + 1))
    path=${target%%#*}
    anchor=""
    [[ "$target" == *"#"* ]] && anchor=${target#*#}
    file=$doc
    [[ -n "$path" ]] && file="$dir/$path"
    if [[ ! -e "$file" ]]; then
      echo "$doc: broken link: $target (no such file)"
      broken=$((broken + 1))
      continue
    fi
    [[ -z "$anchor" ]] && continue
    if [[ "$anchor" =~ ^L([0-9]+)(-L?[0-9]+)?$ ]]; then
      lines=$(wc -l < "$file")
      if ((BASH_REMATCH[1] > lines + 1)); then
        echo "$doc: broken link: $target (the file has $lines lines)"
        broken=$((broken + 1))
      fi
    elif [[ "$file" == *.md ]] && ! anchors "$file" | grep -qxF -- "$anchor"; then
      echo "$doc: broken link: $target (no such heading)"
      broken=$((broken + 1))
    fi
  done < <(awk '/^```/ { fence = !fence; next } !fence' "$doc" | grep -oE '\]\([^)[:space:]]+\)' | sed -E 's/^\]\(//; s/\)$//')
done

echo "checked $checked relative links in README.md and docs/*.md: $broken broken"
((broken == 0))
