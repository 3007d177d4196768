#!/bin/sh
# The Windows package as a player gets it (issue 9, point 2):
#
#   pe_check.sh CMAKE BUILD_DIR
#
#   - BUILD_DIR/pawnparty.exe is a GUI program (PE subsystem 2, "Windows
#     GUI"): a double-click opens the game window and no console;
#   - BUILD_DIR/pawnparty-console.exe is a console program (subsystem 3):
#     what cmd, PowerShell and scripts run for `host --headless` and bots;
#   - BUILD_DIR/pawnparty-win64.zip holds both at its top, and assets/ with
#     the font and its licence, the sounds and the sprites.
#
# The subsystem is read from the files themselves: the 16-bit field 68
# bytes into the optional header, which starts 24 bytes after "PE\0\0",
# whose offset is the 32-bit value at 0x3C. Exit 0 passed, 1 failed.
set -u
cmake=${1:?usage: pe_check.sh CMAKE BUILD_DIR}
dir=${2:?usage: pe_check.sh CMAKE BUILD_DIR}
failed=0
fail() { echo "FAIL: $*"; failed=1; }

u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
u16() { od -An -t u2 -j "$2" -N 2 "$1" | tr -d ' '; }

subsystem() {
    [ -f "$1" ] || { echo missing; return; }
    pe=$(u32 "$1" 60)
    sig=$(od -An -c -j "$pe" -N 2 "$1" | tr -d ' ')
    [ "$sig" = PE ] || { echo "not-PE"; return; }
    u16 "$1" $((pe + 24 + 68))
}

for pair in pawnparty.exe:2:GUI pawnparty-console.exe:3:console; do
    exe=${pair%%:*}
    rest=${pair#*:}
    want=${rest%%:*}
    kind=${rest#*:}
    got=$(subsystem "$dir/$exe")
    if [ "$got" = "$want" ]; then
        echo "ok: $exe has PE subsystem $got ($kind)"
    else
        fail "$exe: PE subsystem $got, expected $want ($kind)"
    fi
done

zip="$dir/pawnparty-win64.zip"
if [ ! -f "$zip" ]; then
    fail "$zip is missing (cmake --build $dir --target pawnparty_zip)"
else
    list=$("$cmake" -E tar tf "$zip" | sed 's|^\./||')
    for f in pawnparty.exe pawnparty-console.exe assets/fonts/NanumGothic.ttf assets/fonts/NanumGothicBold.ttf \
        assets/fonts/OFL.txt assets/sounds/move.wav assets/sounds/join.wav assets/sounds/leave.wav \
        assets/sounds/chat.wav assets/sounds/error.wav assets/pieces/look0.png assets/pieces/look9.png; do
        if echo "$list" | grep -qx "$f"; then
            echo "ok: the zip holds $f"
        else
            fail "the zip does not hold $f"
        fi
    done
fi
exit $failed
