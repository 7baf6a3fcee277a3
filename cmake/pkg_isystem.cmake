# precis_pkg_isystem: the same flags from a fresh and a cached configure.
#
# libzmq.pc and libczmq.pc give "-isystem /usr/include/mit-krb5" in their
# Cflags. CMake's FindPkgConfig puts that directory among the imported
# target's include directories when it has just run pkg-config, but on a
# second configure it rebuilds the target from the cache and leaves the pair
# in INTERFACE_COMPILE_OPTIONS: every flags.make changes and the whole tree
# is compiled again (issue 13). This moves such pairs into the include
# directories, the fresh configure's form, whichever way the target was made.
function(precis_pkg_isystem target)
    get_target_property(options ${target} INTERFACE_COMPILE_OPTIONS)
    if(NOT options)
        return()
    endif()
    get_target_property(includes ${target} INTERFACE_INCLUDE_DIRECTORIES)
    if(NOT includes)
        set(includes "")
    endif()
    set(kept "")
    set(take_dir FALSE)
    foreach(option IN LISTS options)
        if(take_dir)
            list(APPEND includes ${option})
            set(take_dir FALSE)
        elseif(option STREQUAL "-isystem")
            set(take_dir TRUE)
        else()
            list(APPEND kept ${option})
        endif()
    endforeach()
    list(REMOVE_DUPLICATES includes)
    set_target_properties(${target} PROPERTIES INTERFACE_COMPILE_OPTIONS "${kept}"
                                               INTERFACE_INCLUDE_DIRECTORIES "${includes}")
endfunction()
