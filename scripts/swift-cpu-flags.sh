#!/bin/sh
# Prints the swiftc flags that build for this machine's CPU when it is an x86-64 with everything Haswell (2013)
# added that the compiler uses (AVX2, FMA, BMI1/2, F16C, MOVBE, LZCNT); nothing otherwise, for a portable build.
# The Makefile passes them to `swift build` and `swift test` (PORTABLE=1 skips them).
[ "$(uname -m)" = x86_64 ] || exit 0
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null) || exit 0
for f in avx avx2 fma bmi1 bmi2 f16c movbe abm popcnt sse4_2; do
  case " $flags " in
    *" $f "*) ;;
    *) exit 0 ;;
  esac
done
echo "-Xswiftc -target-cpu -Xswiftc haswell"
