/* SPDX-License-Identifier: BSD-3-Clause */
/* What the boot loader handed us: RAM ranges, modules and the command line. */
#ifndef HV_BOOT_H
#define HV_BOOT_H

#include <hv/types.h>

#define BOOT_MAX_MODULES    16
#define BOOT_MAX_RAM_RANGES 32

struct boot_module {
	char name[64]; /* first word of the module's command line */
	paddr_t start;
	uint64_t size;
};

struct boot_ram_range {
	paddr_t start;
	uint64_t size;
};

struct boot_info {
	char cmdline[256];
	unsigned nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned nr_ram;
	struct boot_ram_range ram[BOOT_MAX_RAM_RANGES];
};

extern struct boot_info boot_info;

const struct boot_module *boot_find_module(const char *name);
/* Is `word` one of the space-separated words of the hypervisor command line? */
bool boot_cmdline_has(const char *word);

/* Core boot sequence on the bootstrap pCPU, after arch early setup. */
void hv_core_main(void) __attribute__((noreturn));

/* ---- arch hooks ---- */
/* Bring up every other pCPU; each calls pcpu_secondary_main(). */
void pcpu_arch_start_secondaries(void);

#endif
