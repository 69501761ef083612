/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Booted the way a Linux Image is (kernel_type = image): the guest checks
 * that it runs at RAM base + 2 MiB, that its device tree carries the
 * scenario's bootargs and an initrd range above the kernel, and that the
 * initrd there holds the module's bytes.
 */
#include "guest.h"

#define INITRD_TEXT "RV-IMAGE initrd: the hypervisor copied me\n"

extern char image_head[], image_end[];

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return 0;
	}
	return 1;
}

static void check(const char *what, int ok)
{
	puts_sbi("RV-IMAGE: ");
	puts_sbi(what);
	puts_sbi(ok ? " ok\n" : " FAILED\n");
}

void guest_main(unsigned long hartid, const void *fdt)
{
	static const char want_args[] = "console=ttyS0 rv-image-test";
	const char *why = dt_check(fdt, 1, 0);
	const uint8_t *args, *s, *e;
	uint32_t len, ls, le;
	uint64_t start = 0, end = 0;

	say_hex("RV-IMAGE: running at ", (unsigned long)image_head);
	check("hart 0", hartid == 0);
	check("device tree", !why);
	check("device tree above the kernel", (unsigned long)fdt >= (unsigned long)image_end);
	args = dt_prop(fdt, "/chosen", "bootargs", &len);
	check("bootargs", args && len == sizeof(want_args) &&
	                          same((const char *)args, want_args, sizeof(want_args)));
	s = dt_prop(fdt, "/chosen", "linux,initrd-start", &ls);
	e = dt_prop(fdt, "/chosen", "linux,initrd-end", &le);
	if (s && e && ls == 8 && le == 8) {
		start = be64(s);
		end = be64(e);
	}
	check("initrd range above the kernel",
	      start >= (unsigned long)image_end && end - start == sizeof(INITRD_TEXT) - 1);
	check("initrd contents",
	      start && same((const char *)start, INITRD_TEXT, sizeof(INITRD_TEXT) - 1));
	puts_sbi("RV-IMAGE: done\n");
	shutdown();
}
