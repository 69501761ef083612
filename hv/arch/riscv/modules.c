/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Boot modules on RISC-V. QEMU's virt board has no multiboot, so the
 * launcher packs the modules (scenario, guest kernels, initrds) into one
 * "newc" cpio archive and passes it as the initrd; QEMU puts it in RAM and
 * names its range in the device tree (/chosen linux,initrd-start/-end). Each
 * regular file of the archive is one module, named by its file name.
 * The modules stay where QEMU put them; the page pool keeps off that range.
 */
#include <arch/board.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>

#define NEWC_HDR_LEN 110
#define NEWC_MODE    (6 + 8 * 1)
#define NEWC_FSIZE   (6 + 8 * 6)
#define NEWC_NSIZE   (6 + 8 * 11)
#define S_IFMT       0170000
#define S_IFREG      0100000

static int hex8(const char *p, uint64_t *out)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int rv_modules_parse(paddr_t start, paddr_t end)
{
	uint64_t off = 0, size = end - start;
	const char *a = hpa_to_ptr(start);

	if (end < start)
		return -EINVAL;
	while (off + NEWC_HDR_LEN <= size) {
		const char *h = a + off;
		uint64_t mode, fsize, nsize, data;
		const char *name, *base;

		if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
			return -EINVAL;
		if (hex8(h + NEWC_MODE, &mode) || hex8(h + NEWC_FSIZE, &fsize) ||
		    hex8(h + NEWC_NSIZE, &nsize))
			return -EINVAL;
		if (nsize == 0 || nsize > size - off - NEWC_HDR_LEN)
			return -EINVAL;
		name = h + NEWC_HDR_LEN;
		if (name[nsize - 1] != '\0')
			return -EINVAL;
		data = ALIGN_UP(off + NEWC_HDR_LEN + nsize, 4);
		if (!strcmp(name, "TRAILER!!!"))
			return 0;
		if (data > size || fsize > size - data)
			return -EINVAL;
		off = ALIGN_UP(data + fsize, 4);
		if ((mode & S_IFMT) != S_IFREG)
			continue;
		base = name;
		for (const char *c = name; *c; c++) {
			if (*c == '/')
				base = c + 1;
		}
		if (boot_info.nr_modules == BOOT_MAX_MODULES) {
			pr_warn("boot modules: more than %u, '%s' and later ones ignored\n",
			        BOOT_MAX_MODULES, base);
			return 0;
		}
		struct boot_module *m = &boot_info.modules[boot_info.nr_modules++];
		size_t l = MIN(strlen(base), sizeof(m->name) - 1);

		memcpy(m->name, base, l);
		m->name[l] = '\0';
		m->start = start + data;
		m->size = fsize;
	}
	return -EINVAL;
}
