# Warnings and sanitizers applied to every mynaq target through one interface library.
add_library(mynaq_build_flags INTERFACE)
target_compile_options(mynaq_build_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
                       -Woverloaded-virtual -Wformat=2)
if(MYNAQ_WERROR)
  target_compile_options(mynaq_build_flags INTERFACE -Werror)
endif()
if(MYNAQ_SANITIZE)
  target_compile_options(mynaq_build_flags INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(mynaq_build_flags INTERFACE -fsanitize=address,undefined)
endif()
