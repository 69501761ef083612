/* SPDX-License-Identifier: BSD-3-Clause */
/* acrn-dm's command line, parsed into what main.c needs (no side effects). */
#ifndef DM_CMDLINE_H
#define DM_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

struct dm_cmdline {
	char *vm_name;
	uint64_t mem_size;     /* bytes, a multiple of 2 MiB */
	unsigned ncpus;        /* 0: from --cpu_affinity or the hypervisor */
	uint64_t cpu_affinity; /* pCPU bitmap, 0: the VM slot's default */
	GPtrArray *pci;        /* -s arguments, in order */
	GPtrArray *lpc;        /* -l arguments, in order */
	char *kernel, *initrd, *bootargs;
	char *monitor; /* --cmd_monitor */
	char *transport;
	bool help, version;
};

#define DM_DEFAULT_MEM (256ULL << 20)

/*
 * Parse argv (argv[0] is the program). On a mistake: -EINVAL and one line
 * in @error naming the option and why. After --help or --version the rest
 * is not checked.
 */
int dm_cmdline_parse(struct dm_cmdline *c, int argc, char **argv, GError **error);
void dm_cmdline_clear(struct dm_cmdline *c);
/* "2G", "512M", "1048576K", "64" (MiB) → bytes; -EINVAL if not a size. */
int dm_parse_size(const char *s, uint64_t *out);
/* "1,2", "0-3", "1,4-5" → a bitmap of pCPU ids below 64. */
int dm_parse_cpu_list(const char *s, uint64_t *out);
extern const char dm_cmdline_usage[];

#endif
