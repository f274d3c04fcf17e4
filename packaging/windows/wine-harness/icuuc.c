/* Test harness for Wine 8 only (see README.md): an ICU with no converters. Never shipped. */
#include <stddef.h>
#include <stdint.h>

#define EXPORT __declspec(dllexport)
#define U_FILE_ACCESS_ERROR 4

typedef int UErrorCode;

static void fail(UErrorCode *error) { if (error != NULL && *error <= 0) *error = U_FILE_ACCESS_ERROR; }

EXPORT void *ucnv_open(const char *name, UErrorCode *error) { (void)name; fail(error); return NULL; }
EXPORT void ucnv_close(void *converter) { (void)converter; }
EXPORT void ucnv_reset(void *converter) { (void)converter; }
EXPORT int8_t ucnv_getMaxCharSize(const void *converter) { (void)converter; return 1; }
EXPORT const char *ucnv_getName(const void *converter, UErrorCode *error) { (void)converter; fail(error); return ""; }
EXPORT void ucnv_getToUCallBack(const void *c, void **action, const void **context) { (void)c; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_getFromUCallBack(const void *c, void **action, const void **context) { (void)c; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_setToUCallBack(void *c, void *a, const void *x, void **oa, const void **ox, UErrorCode *error) { (void)c; (void)a; (void)x; (void)oa; (void)ox; fail(error); }
EXPORT void ucnv_setFromUCallBack(void *c, void *a, const void *x, void **oa, const void **ox, UErrorCode *error) { (void)c; (void)a; (void)x; (void)oa; (void)ox; fail(error); }
EXPORT void ucnv_cbToUWriteUChars(void *args, const void *source, int32_t length, int32_t offset, UErrorCode *error) { (void)args; (void)source; (void)length; (void)offset; fail(error); }
EXPORT void ucnv_cbFromUWriteUChars(void *args, const void **source, const void *limit, int32_t offset, UErrorCode *error) { (void)args; (void)source; (void)limit; (void)offset; fail(error); }
EXPORT void ucnv_toUnicode(void *c, void **t, const void *tl, const char **s, const char *sl, int32_t *o, int8_t f, UErrorCode *error) { (void)c; (void)t; (void)tl; (void)s; (void)sl; (void)o; (void)f; fail(error); }
EXPORT void ucnv_fromUnicode(void *c, char **t, const char *tl, const void **s, const void *sl, int32_t *o, int8_t f, UErrorCode *error) { (void)c; (void)t; (void)tl; (void)s; (void)sl; (void)o; (void)f; fail(error); }
EXPORT int32_t ucnv_toUCountPending(const void *c, UErrorCode *error) { (void)c; fail(error); return 0; }
EXPORT int32_t ucnv_fromUCountPending(const void *c, UErrorCode *error) { (void)c; fail(error); return 0; }
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *error) { (void)name; (void)standard; fail(error); return NULL; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(const void *x, void *a, const void *c, int32_t l, int32_t p, int r, UErrorCode *error) { (void)x; (void)a; (void)c; (void)l; (void)p; (void)r; fail(error); }
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(const void *x, void *a, const char *c, int32_t l, int r, UErrorCode *error) { (void)x; (void)a; (void)c; (void)l; (void)r; fail(error); }
