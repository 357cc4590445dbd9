/* A test shim for Wine only: Wine 8.0's bcryptprimitives.dll lacks ProcessPrng, which Rust's
 * standard library imports for its random numbers (HashMap keys, among others), so every Rust
 * program built for Windows exits with code 53 under it. Real Windows 10 and later have the
 * function; this DLL is copied only into the private Wine prefix tests/windows.sh makes.
 * It answers from the system RNG, as the real function does, and never fails (the real one
 * is documented to always return TRUE). */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* BCryptGenRandom takes a ULONG count: feed it in chunks no larger than that. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
