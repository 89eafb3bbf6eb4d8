/* The x86-64 assembly path (MULX, ADCX/ADOX): compiled on every x86-64 build whatever the target
 * flags, run only where CPUID reports ADX and BMI2 (native/src/cpu.h, native/c_backend.py). */
#define PZ_PATH adx
#define PZ_ASM 1
#include "api.c"
