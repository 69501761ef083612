/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/log.h>
#include <hv/pcpu.h>
#include <hv/timer.h>
#include <arch/apic.h>
#include <arch/cpu.h>

#define LAPIC_BASE 0xFEE00000UL
#define LAPIC_ID 0x020
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0

#define LVT_TSC_DEADLINE (2u << 17)

/* LAPIC timer ticks per TSC tick, as a 32.32 fixed-point ratio (no-deadline fallback). */
static uint64_t lapic_per_tsc_fp;

static inline uint32_t lapic_read(unsigned reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void wait_icr_idle(void)
{
	for (unsigned i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & BIT(12)); i++)
		__asm__ volatile("pause");
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	wait_icr_idle();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, vector); /* fixed, physical, edge */
}

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us_to_ticks(us);

	while (rdtsc() < end)
		__asm__ volatile("pause");
}

void lapic_send_init_sipi(uint32_t apic_id, uint8_t page)
{
	wait_icr_idle();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, 0x4500); /* INIT, assert */
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		wait_icr_idle();
		lapic_write(LAPIC_ICR_HI, apic_id << 24);
		lapic_write(LAPIC_ICR_LO, 0x4600 | page); /* start-up */
		delay_us(200);
	}
}

void legacy_pic_disable(void)
{
	static const uint8_t init[2][4] = { { 0x11, VECTOR_LEGACY_PIC, 0x04, 0x01 },
					    { 0x11, VECTOR_LEGACY_PIC + 8, 0x02, 0x01 } };
	const uint16_t base[2] = { 0x20, 0xA0 };

	for (int i = 0; i < 2; i++) {
		outb(base[i], init[i][0]);
		for (int j = 1; j < 4; j++)
			outb(base[i] + 1, init[i][j]);
		outb(base[i] + 1, 0xFF);
	}
}

void lapic_init(void)
{
	wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | BIT(11));
	lapic_write(LAPIC_SVR, 0x100 | VECTOR_SPURIOUS);
	lapic_write(LAPIC_TIMER_DIV, 0xB); /* divide by 1 */
	if (x86_features.tsc_deadline)
		lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VECTOR_TIMER);
	else
		lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER); /* one-shot */
}

uint64_t timer_arch_now(void)
{
	return rdtsc();
}

void timer_arch_program(uint64_t deadline)
{
	uint64_t now, ticks;

	if (x86_features.tsc_deadline) {
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
		return;
	}
	if (!deadline) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	now = rdtsc();
	ticks = deadline > now ? ((deadline - now) * lapic_per_tsc_fp) >> 32 : 1;
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)MIN(MAX(ticks, 1), 0xFFFFFFFFULL));
}

/* PIT channel 2, gated through port 0x61, counts 1.193182 MHz. */
static uint64_t pit_measure_tsc(unsigned pit_ticks, uint32_t *lapic_elapsed)
{
	uint64_t t0, t1;
	uint32_t l0;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xB0); /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, pit_ticks & 0xFF);
	outb(0x42, pit_ticks >> 8);
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
	l0 = lapic_read(LAPIC_TIMER_CUR);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		;
	t1 = rdtsc();
	*lapic_elapsed = l0 - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	return t1 - t0;
}

void tsc_calibrate(void)
{
	const unsigned pit_ticks = 11932; /* 10 ms */
	uint32_t lapic_elapsed;
	uint64_t tsc;

	lapic_write(LAPIC_TIMER_DIV, 0xB);
	lapic_write(LAPIC_LVT_TIMER, BIT(16) | VECTOR_TIMER); /* masked while measuring */
	tsc = pit_measure_tsc(pit_ticks, &lapic_elapsed);
	tsc_khz = tsc * 1193182 / pit_ticks / 1000;
	lapic_per_tsc_fp = ((uint64_t)lapic_elapsed << 32) / (tsc ? tsc : 1);
}
