# Warnings live on an INTERFACE target so they never reach third-party code.
add_library(c2e_warnings INTERFACE)
target_compile_options(c2e_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wold-style-definition -Wdeclaration-after-statement -Wwrite-strings
  -Wpointer-arith -Wvla -Wundef -Wformat=2 -Wformat-security
  -Wconversion -Wsign-conversion -fno-common
  -Wno-overlength-strings # long --help texts; gcc and clang take any length
  $<$<BOOL:${C2E_WERROR}>:-Werror>)
