/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Basic types for hypervisor code. Only freestanding headers, so the same
 * code builds for the hypervisor and for host unit tests.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t; /* host-physical address */
typedef uint64_t gpa_t;   /* guest-physical address */
typedef uint16_t vmid_t;
typedef uint16_t cpuid_t; /* pCPU index, 0 .. nr_pcpus-1 */

#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
/* Host test harnesses (GLib) define these too, identically. */
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif
#define BIT(n)                          (1ULL << (n))

#define KiB(x)                          ((uint64_t)(x) << 10)
#define MiB(x)                          ((uint64_t)(x) << 20)
#define GiB(x)                          ((uint64_t)(x) << 30)

#define PAGE_SHIFT                      12
#define PAGE_SIZE                       4096UL

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define __packed                        __attribute__((packed))
#define __aligned(x)                    __attribute__((aligned(x)))
#define __unused                        __attribute__((unused))
/* On the guest-exit path: grouped in .text.hot so the path spans few pages. */
#define __hot __attribute__((hot))
/*
 * The innermost exit path (an exit handled and the guest entered again
 * without leaving it): .text.exit, page-aligned ahead of .text.hot, as an
 * emulated board pays a page walk for every code page touched after a world
 * switch.
 */
#define __exit_path __attribute__((hot, section(".text.exit")))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif
