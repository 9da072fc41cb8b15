// The C library is imported file by file where it is used (never re-exported): a client of
// oneshot's modules gets no libc names it did not import itself.
#if !canImport(Glibc) && !canImport(Musl) && !canImport(Darwin)
    #error("oneshot needs a POSIX C library (Glibc, Musl or Darwin)")
#endif
