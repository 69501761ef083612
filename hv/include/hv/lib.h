/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The freestanding C library subset hypervisor code may use. In the
 * hypervisor these come from hv/lib; in host unit tests (HV_HOSTED) from libc,
 * so code under test behaves the same in both.
 */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <hv/types.h>
#include <stdarg.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
