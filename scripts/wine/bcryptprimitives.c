/* bcryptprimitives.dll for Wine 8 (Debian 12), which lacks it: Rust's std on Windows
 * takes its randomness from ProcessPrng there. This stub gives it RtlGenRandom
 * (SystemFunction036 in advapi32), which Wine has. Test use only: scripts/check-windows
 * builds it next to golive.exe; a real Windows has the real DLL.
 *
 *   x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
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
