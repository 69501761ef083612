/* SPDX-License-Identifier: BSD-3-Clause */
/* The board as the device tree from OpenSBI/QEMU describes it. */
#ifndef ARCH_RISCV_BOARD_H
#define ARCH_RISCV_BOARD_H

#include <hv/types.h>

#define RV_MAX_HARTS 16

struct rv_board {
	unsigned nr_harts;
	uint64_t hartid[RV_MAX_HARTS]; /* enabled harts in device-tree order */
	bool sstc;                     /* every enabled hart lists Sstc in riscv,isa */
	bool hext;                     /* every enabled hart lists H in riscv,isa */
	bool fpu;                      /* every enabled hart lists F and D: guests get them */
	uint64_t timebase_hz;
	paddr_t uart_base;                /* ns16550a, 0 if none found */
	paddr_t test_base;                /* sifive,test0 power switch, 0 if none found */
	paddr_t initrd_start, initrd_end; /* 0 if no initrd */
};

extern struct rv_board rv_board;

/*
 * Fill rv_board and boot_info (RAM ranges, command line) from the flattened
 * device tree at fdt. Returns 0 or -EINVAL for a blob that is not a valid
 * FDT (nothing is trusted beyond its stated size).
 */
int fdt_scan(const void *fdt);
/* Total size of the FDT at fdt, or 0 if the header is invalid. */
uint32_t fdt_total_size(const void *fdt);

/* Boot modules from the newc cpio archive the launcher hands over as initrd. */
int rv_modules_parse(paddr_t start, paddr_t end);

#endif
