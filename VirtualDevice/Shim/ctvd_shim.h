/*
 * The machinery every shim of the virtual CUDA device shares: the table of exports, ctvd_register,
 * ctvd_last_unsupported and the body of each export, which jumps to the function the managed emulator registered.
 *
 * A shim defines, before it includes this header:
 *   CTVD_RESULT           the status type its exports return (CUresult, cublasStatus_t);
 *   CTVD_NOT_SUPPORTED    the status an export returns when nothing is registered for it;
 *   CTVD_EXPORTS(X)       X(name, (parameters), (arguments)) for every export that returns CTVD_RESULT, the
 *                         parameters written exactly as NVIDIA's header declares the symbol;
 *   CTVD_OTHER_EXPORTS(Y) optionally, Y(type, name, (parameters), (arguments), value) for an export that returns
 *                         something else (value: what it returns when nothing is registered).
 * Each shim is its own .so, so the static table and the two ctvd_ exports exist once per library.
 */
#ifndef CTVD_SHIM_H
#define CTVD_SHIM_H

#include <stddef.h>
#include <string.h>

#define CTVD_EXPORT __attribute__((visibility("default")))

#ifndef CTVD_OTHER_EXPORTS
#define CTVD_OTHER_EXPORTS(Y)
#endif

enum
{
#define CTVD_INDEX(name, params, args) CTVD_INDEX_##name,
#define CTVD_OTHER_INDEX(type, name, params, args, missing) CTVD_INDEX_##name,
    CTVD_EXPORTS(CTVD_INDEX)
    CTVD_OTHER_EXPORTS(CTVD_OTHER_INDEX)
#undef CTVD_INDEX
#undef CTVD_OTHER_INDEX
    CTVD_COUNT
};

static const char *const ctvd_names[CTVD_COUNT] = {
#define CTVD_NAME(name, params, args) #name,
#define CTVD_OTHER_NAME(type, name, params, args, missing) #name,
    CTVD_EXPORTS(CTVD_NAME)
    CTVD_OTHER_EXPORTS(CTVD_OTHER_NAME)
#undef CTVD_NAME
#undef CTVD_OTHER_NAME
};

static void *ctvd_slots[CTVD_COUNT];

/* Per thread, so that concurrent callers do not overwrite each other's answer. */
static __thread const char *ctvd_unsupported;

/* Registers the emulator's function for one export: 0, or -1 when the name is not an export of this library. */
CTVD_EXPORT int ctvd_register(const char *name, void *fn)
{
    if (name == NULL) return -1;
    for (int i = 0; i < CTVD_COUNT; i++)
    {
        if (strcmp(ctvd_names[i], name) == 0)
        {
            __atomic_store_n(&ctvd_slots[i], fn, __ATOMIC_RELEASE);
            return 0;
        }
    }
    return -1;
}

/* The export that last found nothing registered on this thread (and so returned CTVD_NOT_SUPPORTED), or NULL. */
CTVD_EXPORT const char *ctvd_last_unsupported(void)
{
    return ctvd_unsupported;
}

/* The registered function of export `index`, or NULL after recording the export's name as unsupported. */
static void *ctvd_lookup(int index)
{
    void *fn = __atomic_load_n(&ctvd_slots[index], __ATOMIC_ACQUIRE);
    if (fn == NULL) ctvd_unsupported = ctvd_names[index];
    return fn;
}

/* One export: NVIDIA's prototype, a jump to the registered function with the same signature, or `missing`. */
#define CTVD_OTHER_DEFINE(type, name, params, args, missing) \
    typedef type (*name##_fn) params; \
    CTVD_EXPORT type name params \
    { \
        name##_fn fn = (name##_fn)ctvd_lookup(CTVD_INDEX_##name); \
        if (fn == NULL) return (missing); \
        return fn args; \
    }
#define CTVD_DEFINE(name, params, args) CTVD_OTHER_DEFINE(CTVD_RESULT, name, params, args, CTVD_NOT_SUPPORTED)
CTVD_EXPORTS(CTVD_DEFINE)
CTVD_OTHER_EXPORTS(CTVD_OTHER_DEFINE)
#undef CTVD_DEFINE
#undef CTVD_OTHER_DEFINE

#endif
