#!/usr/bin/env bash
# Rebuild the committed GOV.UK Frontend assets in ulr_app/static/govuk/ and the
# accessible-autocomplete script in ulr_app/static/accessible-autocomplete/.
# Run from the repository root:  bash ulr_app/static/src/build.sh
# Needs node + npm and access to the npm registry. The app itself never needs npm.
set -euo pipefail

GOVUK_FRONTEND_VERSION="6.3.0"   # matches govuk-frontend-jinja 4.1.0
SASS_VERSION="1.108.2"           # pure-JS dart-sass
AUTOCOMPLETE_VERSION="3.0.1"     # alphagov/accessible-autocomplete (long drop-downs)

STATIC="ulr_app/static"
if [ ! -f "$STATIC/src/app.scss" ]; then
  echo "error: run from the repository root (no $STATIC/src/app.scss here)" >&2
  exit 1
fi
STATIC="$(cd "$STATIC" && pwd)"
OUT="$STATIC/govuk"
AC_OUT="$STATIC/accessible-autocomplete"

BUILD_DIR="$(mktemp -d "${TMPDIR:-/tmp}/govuk-build.XXXXXX")"
trap 'rm -rf "$BUILD_DIR"' EXIT

cd "$BUILD_DIR"
npm init -y >/dev/null
npm install --save-exact --ignore-scripts --no-audit --no-fund \
  "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@$SASS_VERSION" \
  "accessible-autocomplete@$AUTOCOMPLETE_VERSION"
DIST="$BUILD_DIR/node_modules/govuk-frontend/dist"
AC_DIST="$BUILD_DIR/node_modules/accessible-autocomplete/dist"

rm -rf "$OUT"
mkdir -p "$OUT/assets"

# 1. CSS: compressed, no source map. app.scss also pulls in accessible-autocomplete's CSS
#    (load path node_modules), so there is still one stylesheet.
npx --no-install sass --no-source-map --style=compressed \
  --load-path="$DIST" --load-path="$BUILD_DIR/node_modules" "$STATIC/src/app.scss" "$OUT/app.min.css"

# 2. JS: ES module bundle (drop the sourceMappingURL comment; map not shipped).
sed 's|//# sourceMappingURL=[^[:space:]]*$||' "$DIST/govuk/govuk-frontend.min.js" > "$OUT/govuk-frontend.min.js"

# 3. Assets: everything except fonts (GDS Transport is GOV.UK-only) and the
#    GOV.UK-branded images (crown favicons/app icons, crest, Open Graph image)
#    and the manifest.json that only points at those icons. Nothing else is
#    currently in assets/ for this version, so assets/ stays empty.
for f in "$DIST/govuk/assets"/*; do
  name="$(basename "$f")"
  case "$name" in
    fonts|images|manifest.json) continue ;;
  esac
  cp -R "$f" "$OUT/assets/"
done
touch "$OUT/assets/.gitkeep"

# 4. Licence (the npm package does not include LICENSE.txt; text from
#    https://github.com/alphagov/govuk-frontend/blob/main/LICENSE.txt).
cat > "$OUT/LICENSE.txt" <<'LICENSE'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE

# 5. accessible-autocomplete: its UMD bundle (sets self.accessibleAutocomplete when imported
#    by js/autocomplete.js) and its MIT licence. Its CSS is inside app.min.css (step 1).
rm -rf "$AC_OUT"
mkdir -p "$AC_OUT"
sed 's|//# sourceMappingURL=[^[:space:]]*$||' "$AC_DIST/accessible-autocomplete.min.js" > "$AC_OUT/accessible-autocomplete.min.js"
cp "$BUILD_DIR/node_modules/accessible-autocomplete/LICENSE.txt" "$AC_OUT/LICENSE.txt"

# 6. Guard: no GOV.UK font references may be shipped.
if grep -q -e 'GDS Transport' -e 'assets/fonts' "$OUT/app.min.css"; then
  echo "error: app.min.css references the GDS Transport font" >&2
  exit 1
fi
echo "Built $OUT with govuk-frontend $GOVUK_FRONTEND_VERSION and $AC_OUT with accessible-autocomplete $AUTOCOMPLETE_VERSION"
