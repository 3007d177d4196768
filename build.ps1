# Pawn Party's entry point on a Windows machine (build.sh's twin).
#
#   .\build.ps1 run [HOST OPTIONS]   fetch what is missing, build, start the game
#   .\build.ps1 test                 build and run the tests (ctest)
#   .\build.ps1 build                just build (build\pawnparty.exe)
#
# Needs CMake and either MinGW-w64 gcc (+ Ninja, preferred: the host core
# uses pthreads, which MinGW has and MSVC has not) or Visual Studio. The
# SDL2, SDL2_ttf and SDL2_image development packages (official releases,
# pinned below) are downloaded into third_party\ once and checked.
param(
    [ValidateSet('run', 'test', 'build')][string]$Command = 'run',
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$HostArgs
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

# Every run on a development or CI machine keeps LAN discovery on loopback.
if (-not $env:PAWNPARTY_DISCOVERY_ADDR) { $env:PAWNPARTY_DISCOVERY_ADDR = '127.0.0.1' }

# --- toolchain -------------------------------------------------------------------
$gcc = Get-Command gcc -ErrorAction SilentlyContinue
$ninja = Get-Command ninja -ErrorAction SilentlyContinue
if (-not (Get-Command cmake -ErrorAction SilentlyContinue)) { throw 'cmake is not on PATH (https://cmake.org/download/)' }
if ($gcc) {
    $flavour = 'mingw'
    $generator = if ($ninja) { 'Ninja' } else { 'MinGW Makefiles' }
} else {
    $flavour = 'VC'
    $generator = $null   # CMake picks the newest Visual Studio
}

# --- the SDL2 family ---------------------------------------------------------------
# Pinned releases. A hash left empty is reported on first download so that it
# can be pinned here (it could not be checked where this script was written).
$sdl = @(
    @{ Name = 'SDL2'; Repo = 'SDL'; Version = '2.30.0'
       mingw = 'd44bd8cd869219f43634a898d7735d0c92d4b2cca129f709dc8b98402b36d5f3'; VC = '' },
    @{ Name = 'SDL2_ttf'; Repo = 'SDL_ttf'; Version = '2.22.0'; mingw = ''; VC = '' },
    @{ Name = 'SDL2_image'; Repo = 'SDL_image'; Version = '2.8.2'; mingw = ''; VC = '' }
)
$prefixes = @()
New-Item -ItemType Directory -Force third_party | Out-Null
foreach ($p in $sdl) {
    $dir = "third_party\$($p.Name)-$($p.Version)"
    $file = if ($flavour -eq 'mingw') { "$($p.Name)-devel-$($p.Version)-mingw.tar.gz" } else { "$($p.Name)-devel-$($p.Version)-VC.zip" }
    if (-not (Test-Path $dir)) {
        $url = "https://github.com/libsdl-org/$($p.Repo)/releases/download/release-$($p.Version)/$file"
        Write-Host "build.ps1: fetching $url"
        $ProgressPreference = 'SilentlyContinue'
        Invoke-WebRequest -Uri $url -OutFile "third_party\$file"
        $hash = (Get-FileHash -Algorithm SHA256 "third_party\$file").Hash.ToLower()
        $want = $p[$flavour]
        if ($want -and $hash -ne $want) {
            Remove-Item "third_party\$file"
            throw "build.ps1: $file has SHA256 $hash, expected $want"
        }
        if (-not $want) { Write-Warning "$file is not pinned yet: its SHA256 is $hash (pin it in build.ps1)" }
        if ($flavour -eq 'mingw') {
            # Windows' own bsdtar: an MSYS tar on PATH would misread C:\ paths.
            & "$env:SystemRoot\System32\tar.exe" -xzf "third_party/$file" -C third_party
            if ($LASTEXITCODE) { throw "build.ps1: could not unpack $file" }
        } else {
            Expand-Archive "third_party\$file" third_party
        }
        Remove-Item "third_party\$file"
    }
    $prefixes += if ($flavour -eq 'mingw') { (Resolve-Path "$dir\x86_64-w64-mingw32").Path } else { (Resolve-Path $dir).Path }
}

# --- build -----------------------------------------------------------------------------
function Assert-Ok($what) { if ($LASTEXITCODE) { throw "build.ps1: $what failed (exit $LASTEXITCODE)" } }

$configure = @('-S', '.', '-B', 'build', "-DCMAKE_PREFIX_PATH=$($prefixes -join ';')")
if ($generator) { $configure += @('-G', $generator, '-DCMAKE_BUILD_TYPE=RelWithDebInfo') }
cmake @configure; Assert-Ok 'cmake configure'
cmake --build build --config RelWithDebInfo --parallel; Assert-Ok 'cmake --build'

# Multi-config generators (Visual Studio) put the exe in build\RelWithDebInfo.
$exe = @('build\pawnparty.exe', 'build\RelWithDebInfo\pawnparty.exe') | Where-Object { Test-Path $_ } | Select-Object -First 1

switch ($Command) {
    'build' { Write-Host "build.ps1: built $exe" }
    'test' { ctest --test-dir build -C RelWithDebInfo --output-on-failure; Assert-Ok 'ctest' }
    'run' {
        # As build.sh: until the window is the default, the game is the dedicated host.
        if (-not $HostArgs) { $HostArgs = @('--headless') }
        & $exe host @HostArgs
        exit $LASTEXITCODE
    }
}
