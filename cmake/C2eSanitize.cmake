if(C2E_SANITIZE)
  add_compile_options(-fsanitize=${C2E_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${C2E_SANITIZE})
endif()
