/*
 * Wine's gap, not EnvDeck's: Rust's standard library (1.78 and later) gets its random bytes from
 * ProcessPrng in bcryptprimitives.dll, which every Windows 10 and 11 has and Debian 12's Wine 8.0 does
 * not. Without it, every Rust program for Windows fails to start under that Wine ("Library
 * bcryptprimitives.dll ... not found", status c0000135), a hello-world included. This stand-in gives
 * ProcessPrng from RtlGenRandom (advapi32's SystemFunction036, which Wine has); scripts/windows-tests.sh
 * builds it with MinGW into the test Wine prefix only. Nothing EnvDeck ships contains it.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
