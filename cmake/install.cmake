# What `cmake --install BUILD [--prefix DIR]` puts where (GNU layout):
#   bin/                      precis, precis-ingest, -normalize, -summarize, -sink, -relay
#   share/man/man1/           their man pages, made from --help by help2man
#                             (Debian help2man; skipped with a notice when absent)
#   share/precis/deploy/      the systemd units and Kubernetes manifests
#   share/doc/precis/         README.md and docs/*.md
#   lib/                      libprecis_summarize.a, libprecis_normalize.a, libprecis.a
#   include/precis/           precis_summarizer.h, precis_normalizer.h, precis_minhash.h
#   lib/pkgconfig/precis.pc   `pkg-config --cflags --libs precis`
include(GNUInstallDirs)

set(PRECIS_PROGRAMS precis_cli precis-ingest precis-normalize precis-summarize precis-sink
                    precis-relay)
install(TARGETS ${PRECIS_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS precis_summarize precis_normalize precis
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# precis_minhash.h: precis_summarizer.h declares the story signature
# accessor with its type.
install(FILES ${CMAKE_SOURCE_DIR}/summarize/precis_summarizer.h
              ${CMAKE_SOURCE_DIR}/normalize/precis_normalizer.h
              ${CMAKE_SOURCE_DIR}/libprecis/precis_minhash.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/precis)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/systemd ${CMAKE_SOURCE_DIR}/deploy/k8s
        DESTINATION ${CMAKE_INSTALL_DATADIR}/precis/deploy)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md")

# The static libraries need what they were built against; pkg-config lists it
# (Requires for the libraries that ship a .pc file, Libs for the others).
# The prefix is found from where precis.pc lies (pkg-config's ${pcfiledir}),
# so that `cmake --install --prefix DIR` gives a working file too.
file(RELATIVE_PATH PRECIS_PC_TO_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
# A sanitizer build's libraries need the sanitizers' runtime in the program.
set(PRECIS_PC_EXTRA "")
if(PRECIS_SANITIZE)
    set(PRECIS_PC_EXTRA "-fsanitize=address,undefined")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/precis.pc.in ${CMAKE_BINARY_DIR}/precis.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/precis.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Man pages from each program's --help and --version, so that they cannot
# drift from the programs.
find_program(HELP2MAN help2man)
if(HELP2MAN)
    set(PRECIS_MAN_PAGES)
    set(name_precis "push articles, subscribe to summaries, summarize offline")
    set(name_precis-ingest "the front door of the precis pipeline: accepts articles")
    set(name_precis-normalize "the precis worker that cleans up text (HTML, Unicode)")
    set(name_precis-summarize "the precis worker that summarizes articles")
    set(name_precis-sink "publishes precis summaries and keeps the output log")
    set(name_precis-relay "moves normalized articles to the precis summarize workers")
    foreach(program precis precis-ingest precis-normalize precis-summarize precis-sink
                    precis-relay)
        set(page ${CMAKE_BINARY_DIR}/man/${program}.1)
        if(program STREQUAL "precis")
            set(target precis_cli)
        else()
            set(target ${program})
        endif()
        add_custom_command(OUTPUT ${page}
            COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
            COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section 1
                    --name "${name_${program}}"
                    --output ${page} $<TARGET_FILE:${target}>
            DEPENDS ${target}
            COMMENT "Man page ${program}.1 (help2man)" VERBATIM)
        list(APPEND PRECIS_MAN_PAGES ${page})
    endforeach()
    add_custom_target(man_pages ALL DEPENDS ${PRECIS_MAN_PAGES})
    install(FILES ${PRECIS_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
    message(STATUS "help2man not found: no man pages (Debian package help2man)")
endif()
