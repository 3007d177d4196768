# Pawn Party's entry point on a Windows machine (build.sh's twin).
#
#   .\build.ps1 run [ARGS]           fetch what is missing, build, start the game
#   .\build.ps1 test                 build and run the tests (ctest)
#   .\build.ps1 build                just build (build\pawnparty.exe, the game, and
#                                    build\pawnparty-console.exe, the command line)
#
# Needs CMake and MinGW-w64 gcc on PATH (for example from MSYS2's
# mingw-w64-ucrt-x86_64-toolchain or w64devkit), and Ninja if it is there.
# The code is C11 with GCC's warnings and _Atomic; Visual Studio's C
# compiler is not supported. The SDL2, SDL2_ttf and SDL2_image development
# packages (official releases, pinned below) are downloaded into
# third_party\ once and checked.
param(
    [ValidateSet('run', 'test', 'build')][string]$Command = 'run',
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$GameArgs
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

# Every run on a development or CI machine keeps LAN discovery on loopback.
if (-not $env:PAWNPARTY_DISCOVERY_ADDR) { $env:PAWNPARTY_DISCOVERY_ADDR = '127.0.0.1' }

# --- toolchain -------------------------------------------------------------------
$ninja = Get-Command ninja -ErrorAction SilentlyContinue
if (-not (Get-Command cmake -ErrorAction SilentlyContinue)) { throw 'cmake is not on PATH (https://cmake.org/download/)' }
if (-not (Get-Command gcc -ErrorAction SilentlyContinue)) {
    throw 'gcc is not on PATH: install MinGW-w64 (MSYS2 mingw-w64-ucrt-x86_64-toolchain, or w64devkit)'
}
$generator = if ($ninja) { 'Ninja' } else { 'MinGW Makefiles' }

# --- the SDL2 family ---------------------------------------------------------------
# Pinned releases. A hash left empty is reported on first download so that it
# can be pinned here (it could not be checked where this script was written).
$sdl = @(
    @{ Name = 'SDL2'; Repo = 'SDL'; Version = '2.30.0'
       Sha256 = 'd44bd8cd869219f43634a898d7735d0c92d4b2cca129f709dc8b98402b36d5f3' },
    @{ Name = 'SDL2_ttf'; Repo = 'SDL_ttf'; Version = '2.22.0'; Sha256 = '' },
    @{ Name = 'SDL2_image'; Repo = 'SDL_image'; Version = '2.8.2'; Sha256 = '' }
)
$prefixes = @()
New-Item -ItemType Directory -Force third_party | Out-Null
foreach ($p in $sdl) {
    $dir = "third_party\$($p.Name)-$($p.Version)"
    $file = "$($p.Name)-devel-$($p.Version)-mingw.tar.gz"
    if (-not (Test-Path $dir)) {
        $url = "https://github.com/libsdl-org/$($p.Repo)/releases/download/release-$($p.Version)/$file"
        Write-Host "build.ps1: fetching $url"
        $ProgressPreference = 'SilentlyContinue'
        Invoke-WebRequest -Uri $url -OutFile "third_party\$file"
        $hash = (Get-FileHash -Algorithm SHA256 "third_party\$file").Hash.ToLower()
        $want = $p.Sha256
        if ($want -and $hash -ne $want) {
            Remove-Item "third_party\$file"
            throw "build.ps1: $file has SHA256 $hash, expected $want"
        }
        if (-not $want) { Write-Warning "$file is not pinned yet: its SHA256 is $hash (pin it in build.ps1)" }
        # Windows' own bsdtar: an MSYS tar on PATH would misread C:\ paths.
        & "$env:SystemRoot\System32\tar.exe" -xzf "third_party/$file" -C third_party
        if ($LASTEXITCODE) { throw "build.ps1: could not unpack $file" }
        Remove-Item "third_party\$file"
    }
    $prefixes += (Resolve-Path "$dir\x86_64-w64-mingw32").Path
}

# --- build -----------------------------------------------------------------------------
function Assert-Ok($what) { if ($LASTEXITCODE) { throw "build.ps1: $what failed (exit $LASTEXITCODE)" } }

cmake -S . -B build -G $generator -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_PREFIX_PATH=$($prefixes -join ';')"
Assert-Ok 'cmake configure'
cmake --build build --parallel; Assert-Ok 'cmake --build'
# Two programs from the same code: pawnparty.exe, the game (a GUI program:
# no console window), and pawnparty-console.exe for the command line.
$exe = 'build\pawnparty.exe'
$consoleExe = 'build\pawnparty-console.exe'

switch ($Command) {
    'build' { Write-Host "build.ps1: built $exe and $consoleExe" }
    # The unit tests (the integration and GUI suites need Linux processes:
    # ./build.sh test runs them against these exes under Wine).
    'test' { ctest --test-dir build --output-on-failure; Assert-Ok 'ctest' }
    'run' {
        if ($GameArgs) {
            # Arguments are a command (e.g. host --headless): the console
            # program, whose output and Ctrl+C this console gets.
            & $consoleExe @GameArgs
            exit $LASTEXITCODE
        }
        # The game window. A GUI program does not hold the console, so wait
        # for it here to pass its exit status on.
        $p = Start-Process -FilePath $exe -Wait -PassThru
        exit $p.ExitCode
    }
}
