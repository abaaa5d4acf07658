#!/bin/sh
# build_deb.sh PYTHON: dist/splitkey/ (the PyInstaller bundle, `make bundle`) as a .deb in dist/:
# the app in /opt/splitkey, /usr/bin/splitkey and splitkey-cosigner, the desktop entry, AppStream
# metadata, the icon (SVG + PNG sizes), the co-signer's systemd unit and environment file.
# DEB_COMPRESSION=xz for a release (smaller, ~70 s); zstd by default (~1 s; dpkg >= 1.21.18).
set -eu
PYTHON=${1:-python3}
cd "$(dirname "$0")/.."
VERSION=$("$PYTHON" -c 'from app.version import __version__; print(__version__)')
ARCH=$(dpkg --print-architecture)
ID=io.github.splitkey.Splitkey
TREE=build/deb/splitkey_${VERSION}_${ARCH}
OUT=dist/splitkey_${VERSION}_${ARCH}.deb
test -x dist/splitkey/splitkey || { echo "no dist/splitkey/splitkey: run make bundle" >&2; exit 1; }

rm -rf "$TREE" && mkdir -p "$TREE/DEBIAN" "$TREE/opt" "$TREE/usr/bin" \
    "$TREE/usr/share/applications" "$TREE/usr/share/metainfo" \
    "$TREE/usr/share/icons/hicolor/scalable/apps" "$TREE/usr/share/doc/splitkey" \
    "$TREE/lib/systemd/system" "$TREE/etc/splitkey"
cp -a dist/splitkey "$TREE/opt/splitkey"
ln -s /opt/splitkey/splitkey "$TREE/usr/bin/splitkey"
cat > "$TREE/usr/bin/splitkey-cosigner" <<'SH'
#!/bin/sh
# The co-signer's admin CLI and server, from the desktop bundle (packaging/launcher.py).
exec /opt/splitkey/splitkey -m cosigner_server "$@"
SH
chmod 0755 "$TREE/usr/bin/splitkey-cosigner"
install -m 0644 packaging/linux/$ID.desktop "$TREE/usr/share/applications/"
sed "s/@VERSION@/$VERSION/" packaging/linux/$ID.metainfo.xml > "$TREE/usr/share/metainfo/$ID.metainfo.xml"
install -m 0644 resources/splitkey.svg "$TREE/usr/share/icons/hicolor/scalable/apps/"
"$PYTHON" packaging/render_icons.py "$TREE/usr/share/icons/hicolor" >/dev/null
install -m 0644 packaging/systemd/splitkey-cosigner.service "$TREE/lib/systemd/system/"
install -m 0600 packaging/systemd/cosigner.env "$TREE/etc/splitkey/cosigner.env"
install -m 0644 README.md docs/cosigner.md "$TREE/usr/share/doc/splitkey/"

SIZE=$(du -sk --exclude=DEBIAN "$TREE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" \
    packaging/debian/control.in > "$TREE/DEBIAN/control"
install -m 0755 packaging/debian/postinst packaging/debian/postrm "$TREE/DEBIAN/"
echo /etc/splitkey/cosigner.env > "$TREE/DEBIAN/conffiles"

dpkg-deb --root-owner-group "-Z${DEB_COMPRESSION:-zstd}" --build "$TREE" "$OUT" >/dev/null
echo "$OUT"
