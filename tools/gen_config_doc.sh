#!/bin/sh
# gen_config_doc.sh — regenerate docs/configuration.md from `alfe help config`
# (the key table in src/io/config.c is the single source).  Usage: tools/gen_config_doc.sh [OUT]
# test_docs.sh fails when the document is stale.
set -eu
out=$(realpath -m "${1:-docs/configuration.md}")
cd "$(dirname "$0")/.."
# (a missing binary inside the block below would not stop `set -e`: the
# document would be written without its table)
[ -x bin/alfe ] || { echo "gen_config_doc.sh: bin/alfe is not built (run make)" >&2; exit 1; }
{
    cat <<'HEAD'
# Configuration reference

alfe reads an INI file (`alfe run CONFIG`). This page is generated from the
key table by `tools/gen_config_doc.sh`; `bin/alfe help config` prints the same.
Relative `output` paths are relative to the working directory; relative input
files (`q_file`, `prim`, `eci`, `[oracle] network`, `[network] invariants`,
`test_set`) are relative to the config file's directory. Every value used
(defaults included) is stored in the campaign file: the root attribute
`config` (INI text) and one attribute per `section.key` in `/config`.

Errors name the file, line, section and key, exit with status 2 and leave the
campaign file untouched, e.g.

    alfe: error: run.ini:9: [system] temperature = -3: must be a finite number in [1e-06, 1e+06]

```text
HEAD
    bin/alfe help config
    echo '```'
} > "$out"
