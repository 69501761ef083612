/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board bridge is x86-only for now: the riscv64 virt board has no
 * doorbell wired for it, so a bridge Service VM is refused at boot.
 */
#include <hv/bridge.h>
#include <hv/errno.h>

int bridge_arch_init(cpuid_t pcpu)
{
	(void)pcpu;
	return -ENODEV;
}

void bridge_arch_send(const char *s, size_t len)
{
	(void)s;
	(void)len;
}
