#!/usr/bin/env bash
# Seed the corpus of the `parse` target as the compiler's is seeded (the
# repository's programs and programs of the generator).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../../spy_driver/fuzz/seed.sh" "$here/corpus/parse"
