/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MMIO accessors with pinned instruction forms: the tests exist to feed the
 * hypervisor's instruction decoder known encodings, so the compiler must not
 * choose them.
 */
#ifndef GUEST_MMIO_H
#define GUEST_MMIO_H

#include <stdint.h>

static inline uint8_t mmio_read8(uintptr_t a)
{
	uint8_t v;

	asm volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory");
	return v;
}

static inline uint16_t mmio_read16(uintptr_t a)
{
	uint16_t v;

	asm volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uintptr_t a)
{
	uint32_t v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void mmio_write8(uintptr_t a, uint8_t v)
{
	asm volatile("movb %0, (%1)" : : "q"(v), "r"(a) : "memory");
}

static inline void mmio_write16(uintptr_t a, uint16_t v)
{
	asm volatile("movw %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

static inline void mmio_write32(uintptr_t a, uint32_t v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

#ifdef __x86_64__
static inline uint64_t mmio_read64(uintptr_t a)
{
	uint64_t v;

	asm volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void mmio_write64(uintptr_t a, uint64_t v)
{
	asm volatile("movq %0, (%1)" : : "r"(v), "r"(a) : "memory");
}
#endif

#endif
