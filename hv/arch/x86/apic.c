/* SPDX-License-Identifier: BSD-3-Clause */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <hv/log.h>
#include <hv/pcpu.h>
#include <hv/timer.h>

#define LAPIC_BASE       0xFEE00000UL
#define LAPIC_ID         0x020
#define LAPIC_EOI        0x0B0
#define LAPIC_SVR        0x0F0
#define LAPIC_ICR_LO     0x300
#define LAPIC_ICR_HI     0x310
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3E0

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

/*
 * Calibration against PIT channel 2 (1.193182 MHz). On an emulated board the
 * vCPU thread can be preempted at any point, so each sample brackets its PIT
 * reads with TSC reads, samples whose brackets are wide are dropped, and the
 * median of the rest wins.
 */
#define PIT_HZ        1193182
#define CAL_PIT_TICKS 24000 /* ~20 ms per sample */
#define CAL_SAMPLES   7

static uint16_t pit2_read(uint64_t *t_mid, uint64_t *t_width)
{
	uint64_t a, b;
	uint8_t lo, hi;

	a = rdtsc();
	outb(0x43, 0x80); /* latch channel 2 */
	lo = inb(0x42);
	hi = inb(0x42);
	b = rdtsc();
	*t_mid = a + (b - a) / 2;
	*t_width = b - a;
	return (uint16_t)(lo | hi << 8);
}

struct cal_sample {
	uint64_t tsc, lapic;
	bool ok;
};

static struct cal_sample calibrate_once(void)
{
	struct cal_sample r = { 0 };
	uint64_t t0, w0, t1, w1;
	uint32_t l0, l1;
	uint16_t c0, c1;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xB0);                       /* channel 2, lo/hi, mode 0 */
	outb(0x42, 0xFF);
	outb(0x42, 0xFF);
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
	c0 = pit2_read(&t0, &w0);
	l0 = lapic_read(LAPIC_TIMER_CUR);
	do {
		c1 = pit2_read(&t1, &w1);
	} while ((uint16_t)(c0 - c1) < CAL_PIT_TICKS && c1 <= c0);
	l1 = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	if (c1 > c0 || t1 <= t0)
		return r;
	r.tsc = (t1 - t0) * PIT_HZ / (uint64_t)(c0 - c1);
	r.lapic = (uint64_t)(l0 - l1) * PIT_HZ / (uint64_t)(c0 - c1);
	/* A read bracket wider than 0.2% of the interval means we were preempted. */
	r.ok = (w0 + w1) * 500 < t1 - t0;
	return r;
}

void tsc_calibrate(void)
{
	struct cal_sample s[CAL_SAMPLES];
	unsigned n = 0;

	lapic_write(LAPIC_TIMER_DIV, 0xB);
	lapic_write(LAPIC_LVT_TIMER, BIT(16) | VECTOR_TIMER); /* masked while measuring */
	for (unsigned tries = 0; tries < 4 * CAL_SAMPLES && n < CAL_SAMPLES; tries++) {
		s[n] = calibrate_once();
		n += s[n].ok;
	}
	if (!n) {
		s[n++] = calibrate_once();
		pr_warn("TSC calibration was disturbed on every try; it may be off\n");
	}
	/* Insertion sort by TSC rate; take the median sample. */
	for (unsigned i = 1; i < n; i++) {
		for (unsigned j = i; j > 0 && s[j].tsc < s[j - 1].tsc; j--) {
			struct cal_sample t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	}
	tsc_khz = s[n / 2].tsc / 1000;
	lapic_per_tsc_fp = (s[n / 2].lapic << 32) / (s[n / 2].tsc ? s[n / 2].tsc : 1);
}
