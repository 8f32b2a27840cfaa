#!/usr/bin/env bash
# Draws assets/rich-menu.png (2500x843, under 1 MB): a large 「元気です」 button on the left
# two thirds and 「設定」 on the right, in high contrast for older eyes. Needs ImageMagick
# and the Noto Sans CJK font (Debian: imagemagick fonts-noto-cjk). The PNG is committed;
# run this only to change the picture. The button areas are in infra/local/src/rich_menu.rs.
set -euo pipefail
cd "$(dirname "$0")"
font=$(fc-list ':lang=ja:style=Bold' file | grep -m1 NotoSansCJK | cut -d: -f1)
/usr/bin/convert -size 2500x843 xc:'#ffffff' \
  -fill '#1b7f3b' -draw 'roundrectangle 40,40 1626,803 60,60' \
  -fill '#3a4a5c' -draw 'roundrectangle 1706,40 2460,803 60,60' \
  -font "$font" -fill white \
  -pointsize 260 -annotate +263+520 '元気です' \
  -pointsize 110 -annotate +283+720 'タップするだけでお返事' \
  -pointsize 220 -annotate +1863+500 '設定' \
  -pointsize 90 -annotate +1801+690 '時刻・お休み' \
  -strip -colors 16 PNG8:rich-menu.png
ls -l rich-menu.png
