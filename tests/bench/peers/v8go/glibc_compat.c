// tommie/v8go's prebuilt V8 was compiled against glibc >= 2.38, whose
// headers redirect strtol, sscanf and friends to their C23 variants
// (__isoc23_*: the same functions, but also accepting "0b" binary
// literals). Debian 12 has glibc 2.36, which lacks them, so the link fails.
// These forward each to the older function; V8 never parses "0b" numbers
// through them. Only the symbols the link reported missing are here.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

long __isoc23_strtol(const char *s, char **end, int base) { return strtol(s, end, base); }
long long __isoc23_strtoll(const char *s, char **end, int base) { return strtoll(s, end, base); }
unsigned long __isoc23_strtoul(const char *s, char **end, int base) { return strtoul(s, end, base); }
unsigned long long __isoc23_strtoull(const char *s, char **end, int base) { return strtoull(s, end, base); }

int __isoc23_sscanf(const char *s, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int n = vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}

int __isoc23_fscanf(FILE *f, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int n = vfscanf(f, fmt, ap);
	va_end(ap);
	return n;
}
