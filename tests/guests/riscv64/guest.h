/* SPDX-License-Identifier: BSD-3-Clause */
/* What the bare-metal riscv64 test guests share: SBI calls, console, traps, CSRs. */
#ifndef RV_TEST_GUEST_H
#define RV_TEST_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define EXT_LEGACY_PUTCHAR        0x01
#define EXT_BASE                  0x10
#define EXT_TIME                  0x54494D45
#define EXT_IPI                   0x735049
#define EXT_RFENCE                0x52464E43
#define EXT_HSM                   0x48534D
#define EXT_SRST                  0x53525354
#define EXT_DBCN                  0x4442434E

#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6

#define CAUSE_IRQ                 BIT(63)
#define BIT(n)                    (1UL << (n))

#define csr_read(csr)                                                     \
	({                                                                \
		unsigned long __v;                                        \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory"); \
		__v;                                                      \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"r"(val) : "memory")
#define csr_set(csr, val)   __asm__ volatile("csrs " #csr ", %0" ::"r"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"r"(val) : "memory")

struct ret {
	long error, value;
};

/* Registers at a trap; guest_trap may change them (sepc, a0...) before sret. */
struct gframe {
	unsigned long x[32];
	unsigned long sepc, scause, stval;
};

struct ret ecall(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                 unsigned long a2);
void putc_sbi(char c);
void puts_sbi(const char *s);
void put_hex(unsigned long v);
/* puts_sbi(prefix), put_hex(v), newline. */
void say_hex(const char *prefix, unsigned long v);
void shutdown(void) __attribute__((noreturn));
void install_traps(void);
/* A guest's trap handler and its secondary harts' entry (lib.c has defaults). */
void guest_trap(struct gframe *f);
void secondary_main(unsigned long hartid, unsigned long opaque);

static inline unsigned long rdtime(void)
{
	unsigned long t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/* The device tree the hypervisor passed: 0 if it has what the guests rely on, else why not. */
const char *dt_check(const void *fdt, unsigned nr_harts, int want_uart);
/* Property prop of the node at path (node names with unit addresses), or NULL. */
const uint8_t *dt_prop(const void *fdt, const char *path, const char *prop, uint32_t *len);
/* The value of a 1-cell property of the node at path, or def. */
uint32_t dt_u32(const void *fdt, const char *path, const char *prop, uint32_t def);

#endif
