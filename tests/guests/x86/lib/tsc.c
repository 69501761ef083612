// SPDX-License-Identifier: BSD-3-Clause
/*
 * TSC time base. Under the hypervisor the frequency comes from CPUID
 * 0x40000010 (the contract); elsewhere (plain QEMU runs of the library) the
 * PIT calibrates it, which our VMs cannot do because they have no PIT.
 */
#include "guest.h"

static uint32_t tsc_khz_cached;

static bool hv_is_acrn(void)
{
	struct cpuid_regs r = cpuid(0x40000000);

	return r.ebx == 0x4e524341 && r.ecx == 0x4e524341 && r.edx == 0x4e524341 &&
	       r.eax >= 0x40000010;
}

/* PIT channel 2 one-shot of 50 ms, gated through port 0x61. */
static uint32_t pit_calibrate_khz(void)
{
	const uint32_t pit_hz = 1193182;
	const uint32_t latch = pit_hz / 20;
	uint64_t t0, t1;
	unsigned long loops = 0;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lo/hi byte, mode 0, binary */
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		loops++;
	t1 = rdtsc();
	/* Port 0x61 reading all ones means there is no PIT at all. */
	if (loops < 10)
		return 0;
	return (uint32_t)((t1 - t0) * 20 / 1000);
}

uint32_t tsc_khz(void)
{
	if (tsc_khz_cached)
		return tsc_khz_cached;
	if (hv_is_acrn())
		tsc_khz_cached = cpuid(0x40000010).eax;
	if (!tsc_khz_cached)
		tsc_khz_cached = pit_calibrate_khz();
	if (!tsc_khz_cached) {
		gprintf("FAIL no TSC frequency: assuming 1 GHz\n");
		tsc_khz_cached = 1000000;
	}
	return tsc_khz_cached;
}

uint64_t tsc_us_to_ticks(uint64_t us)
{
	return us * tsc_khz() / 1000;
}

uint64_t tsc_ticks_to_us(uint64_t ticks)
{
	return ticks * 1000 / tsc_khz();
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_us_to_ticks(us);

	while (rdtsc() < end)
		cpu_relax();
}

bool wait_flag_irq(volatile unsigned int *flag, uint64_t timeout_us)
{
	uint64_t end = rdtsc() + tsc_us_to_ticks(timeout_us);
	bool was_on = read_flags() & X86_EFLAGS_IF;
	bool seen;

	irq_enable();
	while (!*flag && rdtsc() < end)
		cpu_relax();
	seen = *flag != 0;
	if (!was_on)
		irq_disable();
	return seen;
}
