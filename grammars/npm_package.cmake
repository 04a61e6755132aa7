# tmd_npm_package(NAME VERSION SHA512 SUBDIR OUT_VAR): the npm package
# NAME@VERSION, integrity-checked, with its folder `package/SUBDIR` extracted
# to ${CMAKE_BINARY_DIR}/grammars/NAME-VERSION; OUT_VAR names that folder.
# `npm pack` downloads the tarball without running any install script. A
# machine without the registry can set TMDIFF_NPM_TARBALLS to a folder
# holding NAME-VERSION.tgz.
set(TMDIFF_NPM_TARBALLS "" CACHE PATH "folder of npm .tgz files to use instead of npm pack")

function(tmd_npm_package name version sha512 subdir out_var)
  set(dir ${CMAKE_BINARY_DIR}/grammars/${name}-${version})
  set(tgz ${CMAKE_BINARY_DIR}/grammars/${name}-${version}.tgz)
  set(${out_var} ${dir} PARENT_SCOPE)
  if(EXISTS ${dir}/.complete)
    return()
  endif()
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/grammars)
  if(TMDIFF_NPM_TARBALLS)
    file(COPY_FILE ${TMDIFF_NPM_TARBALLS}/${name}-${version}.tgz ${tgz})
  elseif(NOT EXISTS ${tgz})
    find_program(NPM npm REQUIRED)
    execute_process(COMMAND ${NPM} pack --silent ${name}@${version}
                    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/grammars
                    RESULT_VARIABLE npm_rc OUTPUT_QUIET)
    if(NOT npm_rc EQUAL 0)
      message(FATAL_ERROR "npm pack ${name}@${version} failed (is the npm registry reachable? "
                          "or set TMDIFF_NPM_TARBALLS to a folder holding ${name}-${version}.tgz)")
    endif()
  endif()
  file(SHA512 ${tgz} got)
  if(NOT got STREQUAL sha512)
    file(REMOVE ${tgz})
    message(FATAL_ERROR "${name}-${version}.tgz: SHA-512 mismatch (got ${got})")
  endif()
  file(REMOVE_RECURSE ${dir} ${dir}.tmp)
  file(ARCHIVE_EXTRACT INPUT ${tgz} DESTINATION ${dir}.tmp PATTERNS package/${subdir})
  file(RENAME ${dir}.tmp/package ${dir})
  file(REMOVE_RECURSE ${dir}.tmp)
  file(TOUCH ${dir}/.complete)
endfunction()
