#!/usr/bin/env bash
# Makes the stand-in's media files in test/standin/media/ with Debian's ffmpeg. They are committed; run this only
# to change them (as root it installs ffmpeg and the DejaVu font with apt-get when missing):
#
#   scripts/make-standin-media.sh
#
#   clip.mp4          a 4-second 640x360 H.264 clip (moov first, so a browser plays it while it loads); every
#                     stand-in video starts with it (test/standin/video.ts pads it per task in a trailing free box)
#   cover.png         a frame of the clip, the stand-in's cover image
#   cover.jpg         the same frame as JPEG: the real API serves covers as either (recorded _cover_0.jpeg files)
#   scene.jpg         sample images the sandbox serves in place of the examples' placeholder URLs
#   first-frame.png   (test/standin/samples.ts)
#   last-frame.png
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/standin/media
font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

if ! command -v ffmpeg >/dev/null || [ ! -f "$font" ]; then
  [ "$(id -u)" = 0 ] || { echo "install ffmpeg and fonts-dejavu-core (apt-get), then run this again" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg fonts-dejavu-core
fi
mkdir -p "$out"

# Same input, same bytes: no encoder tag, no timestamps, no metadata.
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
exact=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact)
text() { # text size y [alpha]: a centred line with a soft shadow
  echo "drawtext=fontfile=$font:text='$1':fontsize=$2:fontcolor=white@${4:-1}:x=(w-tw)/2:y=$3:shadowcolor=black@0.4:shadowx=2:shadowy=2"
}
# A palette of at most 128 colours keeps a gradient frame near 30 kB as PNG.
png_palette='split[a][b];[a]palettegen=max_colors=128:stats_mode=single[p];[b][p]paletteuse=dither=none'

# The clip: drifting colour gradients, a title saying what it is, and a bar that fills as it plays.
ff -f lavfi -i "gradients=s=640x360:r=24:d=4:speed=0.02:n=4:seed=7:c0=0x1d3557:c1=0x457b9d:c2=0xe76f51:c3=0xf4a261" \
  -f lavfi -i "color=c=white:s=640x6:r=24:d=4" \
  -filter_complex "[0][1]overlay=x='-W+W*t/4':y=H-6,$(text 'CogVideoX sandbox' 44 '(h-th)/2-20'),$(text 'a stand-in clip, not a generated video' 20 'h/2+30' 0.9)" \
  -c:v libx264 -preset veryslow -crf 30 -pix_fmt yuv420p -profile:v main -movflags +faststart "${exact[@]}" "$out/clip.mp4"
ff -ss 2 -i "$out/clip.mp4" -frames:v 1 -vf "$png_palette" "${exact[@]}" "$out/cover.png"
ff -ss 2 -i "$out/clip.mp4" -frames:v 1 -q:v 5 "${exact[@]}" "$out/cover.jpg"

# The sample images: still gradients that say what they are.
ff -f lavfi -i "gradients=s=640x360:d=1:n=3:seed=3:c0=0x264653:c1=0x2a9d8f:c2=0xe9c46a" -frames:v 1 \
  -vf "$(text 'Sample image' 40 '(h-th)/2-20'),$(text 'served by the sandbox in place of your own' 20 'h/2+30' 0.9)" \
  -q:v 4 "${exact[@]}" "$out/scene.jpg"
for frame in first last; do
  if [ $frame = first ]; then colours="c0=0x1d3557:c1=0x457b9d"; else colours="c0=0xe76f51:c1=0xf4a261"; fi
  ff -f lavfi -i "gradients=s=640x360:d=1:n=2:seed=5:$colours" -frames:v 1 \
    -vf "$(text "Sample ${frame} frame" 40 '(h-th)/2-20'),$(text 'served by the sandbox in place of your own' 20 'h/2+30' 0.9),$png_palette" \
    "${exact[@]}" "$out/$frame-frame.png"
done

# The stand-in serves the clip followed by a free box of per-task bytes (test/standin/video.ts): such a file must
# still decode, with the clip's duration.
padded=$(mktemp --suffix=.mp4)
trap 'rm -f "$padded"' EXIT
{ cat "$out/clip.mp4"; printf '\x00\x01\x00\x00free'; head -c $((65536 - 8)) /dev/urandom; } > "$padded"
ffmpeg -hide_banner -loglevel error -i "$padded" -f null - || { echo "the padded clip does not decode" >&2; exit 1; }
duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$padded")
echo "a padded clip decodes: $duration s" >&2
ls -l "$out" >&2
