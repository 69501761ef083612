/* SPDX-License-Identifier: BSD-3-Clause */
/* vLAPIC unit tests: registers, priorities, EOI, IPIs and timers with a fake TSC. */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <arch/vlapic.h>
#include <hv/errno.h>

#include <glib.h>
#include <string.h>

#define T0        1000000000ULL /* an arbitrary "now" */
#define TSC_KHZ   1000000ULL    /* 1 GHz: the minimum periodic period is 100000 ticks */
#define MIN_PER   (TSC_KHZ * VLAPIC_MIN_PERIOD_US / 1000)
#define TIMER_VEC 0xEC

struct fake {
	struct vlapic lapic;
	unsigned nr_arm;
	uint64_t last_arm;
	unsigned nr_ipi;
	struct vlapic_ipi ipi[8];
	unsigned nr_eoi;
	uint8_t eoi[8];
	unsigned nr_kick;
	bool ipi_reenter; /* send_ipi delivers to the sender, as a VM layer may */
};

static void f_timer_arm(void *owner, uint64_t deadline)
{
	struct fake *f = owner;

	f->nr_arm++;
	f->last_arm = deadline;
}

static void f_send_ipi(void *owner, const struct vlapic_ipi *ipi)
{
	struct fake *f = owner;

	if (f->nr_ipi < G_N_ELEMENTS(f->ipi))
		f->ipi[f->nr_ipi] = *ipi;
	f->nr_ipi++;
	if (f->ipi_reenter && vlapic_match_dest(&f->lapic, ipi->dest, ipi->logical))
		vlapic_accept_irq(&f->lapic, ipi->vector, ipi->level_trigger);
}

static void f_eoi_level(void *owner, uint8_t vector)
{
	struct fake *f = owner;

	if (f->nr_eoi < G_N_ELEMENTS(f->eoi))
		f->eoi[f->nr_eoi] = vector;
	f->nr_eoi++;
}

static void f_kick(void *owner)
{
	struct fake *f = owner;

	f->nr_kick++;
}

static const struct vlapic_ops fake_ops = {
	.timer_arm = f_timer_arm,
	.send_ipi = f_send_ipi,
	.eoi_level = f_eoi_level,
	.kick = f_kick,
};

static void fake_init(struct fake *f, uint32_t id, bool bsp)
{
	memset(f, 0, sizeof(*f));
	vlapic_init(&f->lapic, id, bsp, TSC_KHZ, &fake_ops, f);
}

static uint64_t rd_at(struct fake *f, uint32_t msr, uint64_t now)
{
	uint64_t val = 0xdeadbeef;

	g_assert_cmpint(vlapic_msr_read(&f->lapic, msr, &val, now), ==, 0);
	return val;
}

static uint64_t rd(struct fake *f, uint32_t msr)
{
	return rd_at(f, msr, T0);
}

static void wr_at(struct fake *f, uint32_t msr, uint64_t val, uint64_t now)
{
	g_assert_cmpint(vlapic_msr_write(&f->lapic, msr, val, now), ==, 0);
}

static void wr(struct fake *f, uint32_t msr, uint64_t val)
{
	wr_at(f, msr, val, T0);
}

/* A software-enabled LAPIC, as any guest sets it up first. */
static void fake_init_enabled(struct fake *f, uint32_t id)
{
	fake_init(f, id, id == 0);
	wr(f, VLAPIC_MSR_SVR, VLAPIC_SVR_ENABLE | 0xFF);
}

static bool irr_has(struct fake *f, unsigned vec)
{
	return rd(f, VLAPIC_MSR_IRR0 + vec / 32) & (1U << (vec % 32));
}

static bool isr_has(struct fake *f, unsigned vec)
{
	return rd(f, VLAPIC_MSR_ISR0 + vec / 32) & (1U << (vec % 32));
}

static bool tmr_has(struct fake *f, unsigned vec)
{
	return rd(f, VLAPIC_MSR_TMR0 + vec / 32) & (1U << (vec % 32));
}

/* Inject what is pending, as the VM layer does on VM entry. */
static int inject(struct fake *f)
{
	int vec = vlapic_pending_vector(&f->lapic);

	if (vec >= 0)
		vlapic_ack(&f->lapic, (uint8_t)vec);
	return vec;
}

static void test_reset_state(void)
{
	struct fake f;

	fake_init(&f, 0, true);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, 0xFEE00D00ULL);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ID), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_VERSION), ==, VLAPIC_VERSION);
	g_assert_cmphex((rd(&f, VLAPIC_MSR_VERSION) >> 16) & 0xFF, ==, 6);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0xFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TPR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LDR), ==, 1);
	for (uint32_t msr = VLAPIC_MSR_LVT_TIMER; msr <= VLAPIC_MSR_LVT_ERROR; msr++)
		g_assert_cmphex(rd(&f, msr), ==, VLAPIC_LVT_MASKED);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_CMCI), ==, VLAPIC_LVT_MASKED);
	for (unsigned i = 0; i < 8; i++) {
		g_assert_cmphex(rd(&f, VLAPIC_MSR_ISR0 + i), ==, 0);
		g_assert_cmphex(rd(&f, VLAPIC_MSR_TMR0 + i), ==, 0);
		g_assert_cmphex(rd(&f, VLAPIC_MSR_IRR0 + i), ==, 0);
	}
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TIMER_INIT), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TIMER_CUR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TIMER_DCR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	g_assert_cmpuint(f.nr_arm + f.nr_ipi + f.nr_eoi + f.nr_kick, ==, 0);

	/* An AP: no BSP flag; LDR derived from the id. */
	fake_init(&f, 0x25, false);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, 0xFEE00C00ULL);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ID), ==, 0x25);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LDR), ==, (2U << 16) | (1U << 5));
	fake_init(&f, 15, false);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LDR), ==, 1U << 15);
	fake_init(&f, 16, false);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LDR), ==, (1U << 16) | 1);
}

static bool readable(uint32_t msr)
{
	switch (msr) {
	case VLAPIC_MSR_ID:
	case VLAPIC_MSR_VERSION:
	case VLAPIC_MSR_TPR:
	case VLAPIC_MSR_PPR:
	case VLAPIC_MSR_LDR:
	case VLAPIC_MSR_SVR:
	case VLAPIC_MSR_ESR:
	case VLAPIC_MSR_LVT_CMCI:
	case VLAPIC_MSR_ICR:
	case VLAPIC_MSR_LVT_TIMER:
	case VLAPIC_MSR_LVT_THERMAL:
	case VLAPIC_MSR_LVT_PMC:
	case VLAPIC_MSR_LVT_LINT0:
	case VLAPIC_MSR_LVT_LINT1:
	case VLAPIC_MSR_LVT_ERROR:
	case VLAPIC_MSR_TIMER_INIT:
	case VLAPIC_MSR_TIMER_CUR:
	case VLAPIC_MSR_TIMER_DCR:
		return true;
	default:
		return msr >= VLAPIC_MSR_ISR0 && msr < VLAPIC_MSR_IRR0 + 8;
	}
}

static bool writable(uint32_t msr)
{
	switch (msr) {
	case VLAPIC_MSR_TPR:
	case VLAPIC_MSR_EOI:
	case VLAPIC_MSR_SVR:
	case VLAPIC_MSR_ESR:
	case VLAPIC_MSR_LVT_CMCI:
	case VLAPIC_MSR_ICR:
	case VLAPIC_MSR_LVT_TIMER:
	case VLAPIC_MSR_LVT_THERMAL:
	case VLAPIC_MSR_LVT_PMC:
	case VLAPIC_MSR_LVT_LINT0:
	case VLAPIC_MSR_LVT_LINT1:
	case VLAPIC_MSR_LVT_ERROR:
	case VLAPIC_MSR_TIMER_INIT:
	case VLAPIC_MSR_TIMER_DCR:
	case VLAPIC_MSR_SELF_IPI:
		return true;
	default:
		return false;
	}
}

static void test_msr_map(void)
{
	struct fake f;
	uint64_t val;

	g_assert_true(vlapic_handles_msr(0x1B));
	g_assert_true(vlapic_handles_msr(0x6E0));
	g_assert_true(vlapic_handles_msr(0x800));
	g_assert_true(vlapic_handles_msr(0x8FF));
	g_assert_false(vlapic_handles_msr(0x7FF));
	g_assert_false(vlapic_handles_msr(0x900));
	g_assert_false(vlapic_handles_msr(0x10));

	fake_init_enabled(&f, 3);
	for (uint32_t msr = 0x800; msr <= 0x8FF; msr++) {
		int err = vlapic_msr_read(&f.lapic, msr, &val, T0);

		if (readable(msr))
			g_assert_cmpint(err, ==, 0);
		else
			g_assert_cmpint(err, ==, -EINVAL);
		/* Write 0, which is legal for every writable register (EOI/ESR included). */
		err = vlapic_msr_write(&f.lapic, msr, 0, T0);
		if (writable(msr))
			g_assert_cmpint(err, ==, 0);
		else
			g_assert_cmpint(err, ==, -EINVAL);
	}
	/* Not one of ours: the caller routed it wrongly. */
	g_assert_cmpint(vlapic_msr_read(&f.lapic, 0x10, &val, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x10, 0, T0), ==, -EINVAL);
}

static void test_reserved_bits(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	/* Bits 63:32 are reserved everywhere but the ICR. */
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_TPR, 1ULL << 32, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_LVT_TIMER, 1ULL << 40, T0), ==,
	                -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_SELF_IPI, 0x30ULL << 32, T0), ==,
	                -EINVAL);
	g_assert_false(irr_has(&f, 0x30));
	/* EOI and ESR accept only 0. */
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_EOI, 1, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_ESR, 1, T0), ==, -EINVAL);
	/* Reserved timer mode 3. */
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_LVT_TIMER, 3U << 17 | 0x40, T0), ==,
	                -EINVAL);
	/* Reserved bits inside the low half are dropped. */
	wr(&f, VLAPIC_MSR_TPR, 0xFFFFFFFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TPR), ==, 0xFF);
	wr(&f, VLAPIC_MSR_TIMER_DCR, 0xFFFFFFFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TIMER_DCR), ==, 0xB);
	wr(&f, VLAPIC_MSR_LVT_ERROR, 0xFFFFFFFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_ERROR), ==, 0x100FF);
	wr(&f, VLAPIC_MSR_LVT_LINT0, 0xFFFFFFFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_LINT0), ==, 0x1A7FF);
	wr(&f, VLAPIC_MSR_LVT_PMC, 0xFFFFFFFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_PMC), ==, 0x107FF);
	wr(&f, VLAPIC_MSR_LVT_TIMER, 0x2FFFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, 0x200FF);
	wr(&f, VLAPIC_MSR_SVR, 0xFFFFFFFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0x3FF);
}

static void test_svr_disable(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	wr(&f, VLAPIC_MSR_LVT_LINT0, 0x700);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, TIMER_VEC);

	/* Software disable masks every LVT, and they cannot be unmasked meanwhile. */
	wr(&f, VLAPIC_MSR_SVR, 0xFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_LINT0), ==, 0x10700);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, VLAPIC_LVT_MASKED | TIMER_VEC);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, VLAPIC_LVT_MASKED | TIMER_VEC);

	/* Fixed interrupts are not accepted; nothing is kicked. */
	vlapic_accept_irq(&f.lapic, 0x40, false);
	g_assert_false(irr_has(&f, 0x40));
	g_assert_cmpuint(f.nr_kick, ==, 0);

	/* Re-enabling leaves the masks for software to clear. */
	wr(&f, VLAPIC_MSR_SVR, 0x1FF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, VLAPIC_LVT_MASKED | TIMER_VEC);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, TIMER_VEC);
	vlapic_accept_irq(&f.lapic, 0x40, false);
	g_assert_true(irr_has(&f, 0x40));

	/* What was already pending stays deliverable after a software disable. */
	wr(&f, VLAPIC_MSR_SVR, 0xFF);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, 0x40);
}

static void test_priority_and_eoi(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	vlapic_accept_irq(&f.lapic, 0x30, false);
	vlapic_accept_irq(&f.lapic, 0x50, false);
	g_assert_true(irr_has(&f, 0x30));
	g_assert_true(irr_has(&f, 0x50));
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, 0x50);

	g_assert_cmpint(inject(&f), ==, 0x50);
	g_assert_false(irr_has(&f, 0x50));
	g_assert_true(isr_has(&f, 0x50));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x50);
	/* Lower class blocked while 0x50 is in service, and so is the same class. */
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	vlapic_accept_irq(&f.lapic, 0x5F, false);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	/* A higher class nests. */
	vlapic_accept_irq(&f.lapic, 0x61, false);
	g_assert_cmpint(inject(&f), ==, 0x61);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x60);

	/* EOI retires the highest in-service vector first. */
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_false(isr_has(&f, 0x61));
	g_assert_true(isr_has(&f, 0x50));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x50);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0);
	g_assert_cmpint(inject(&f), ==, 0x5F);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpint(inject(&f), ==, 0x30);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	/* A stray EOI is harmless. */
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0);
	/* Edge vectors never reach the IOAPIC. */
	g_assert_cmpuint(f.nr_eoi, ==, 0);

	/* Acking something not pending changes nothing. */
	vlapic_ack(&f.lapic, 0x77);
	g_assert_false(isr_has(&f, 0x77));
}

/* The IRR summary the entry path peeks at follows accept, ack and reset. */
static void test_irr_empty(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	g_assert_true(vlapic_irr_empty(&f.lapic));
	vlapic_accept_irq(&f.lapic, 0x41, false);
	vlapic_accept_irq(&f.lapic, 0x42, false);
	vlapic_accept_irq(&f.lapic, 0xE0, false);
	g_assert_false(vlapic_irr_empty(&f.lapic));
	g_assert_cmpint(inject(&f), ==, 0xE0);
	g_assert_false(vlapic_irr_empty(&f.lapic));
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpint(inject(&f), ==, 0x42);
	/* 0x41 still waits in the same IRR word. */
	g_assert_false(vlapic_irr_empty(&f.lapic));
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpint(inject(&f), ==, 0x41);
	g_assert_true(vlapic_irr_empty(&f.lapic));
	vlapic_accept_irq(&f.lapic, 0x90, false);
	g_assert_false(vlapic_irr_empty(&f.lapic));
	/* Disabling the APIC resets its registers, the IRR with them. */
	wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT);
	g_assert_true(vlapic_irr_empty(&f.lapic));
}

static void test_tpr(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	wr(&f, VLAPIC_MSR_TPR, 0x40);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x40);
	vlapic_accept_irq(&f.lapic, 0x45, false);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	g_assert_cmpuint(f.nr_kick, ==, 0); /* blocked: no point waking the vCPU */
	vlapic_accept_irq(&f.lapic, 0x51, false);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, 0x51);
	g_assert_cmpuint(f.nr_kick, ==, 1);
	g_assert_cmpint(inject(&f), ==, 0x51);

	/* PPR is the larger of TPR and the in-service class. */
	wr(&f, VLAPIC_MSR_TPR, 0x23);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x50);
	wr(&f, VLAPIC_MSR_TPR, 0x73);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x73);
	wr(&f, VLAPIC_MSR_TPR, 0x5A);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x5A);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x5A);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);

	/* Lowering the TPR unblocks 0x45 and kicks. */
	f.nr_kick = 0;
	wr(&f, VLAPIC_MSR_TPR, 0x3F);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0x3F);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, 0x45);
	g_assert_cmpuint(f.nr_kick, ==, 1);
}

static void test_kick_on_eoi_unblock(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	vlapic_accept_irq(&f.lapic, 0x80, false);
	g_assert_cmpuint(f.nr_kick, ==, 1);
	g_assert_cmpint(inject(&f), ==, 0x80);
	vlapic_accept_irq(&f.lapic, 0x70, false);
	g_assert_cmpuint(f.nr_kick, ==, 1);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpuint(f.nr_kick, ==, 2);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, 0x70);
}

static void test_level_eoi(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	vlapic_accept_irq(&f.lapic, 0x41, true);
	vlapic_accept_irq(&f.lapic, 0x92, false);
	g_assert_true(tmr_has(&f, 0x41));
	g_assert_false(tmr_has(&f, 0x92));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TMR0 + 2), ==, 1U << 1);

	g_assert_cmpint(inject(&f), ==, 0x92);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpuint(f.nr_eoi, ==, 0);
	g_assert_cmpint(inject(&f), ==, 0x41);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpuint(f.nr_eoi, ==, 1);
	g_assert_cmphex(f.eoi[0], ==, 0x41);

	/* The same vector accepted as edge later clears its TMR bit. */
	vlapic_accept_irq(&f.lapic, 0x41, false);
	g_assert_false(tmr_has(&f, 0x41));
	g_assert_cmpint(inject(&f), ==, 0x41);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmpuint(f.nr_eoi, ==, 1);
}

static void test_errors(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	/* Linux's lapic_setup_esr sequence. */
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, 0);
	wr(&f, VLAPIC_MSR_LVT_ERROR, 0xFE);
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, 0);

	/* A received illegal vector is dropped, latched on the next ESR write, and raises 0xFE. */
	vlapic_accept_irq(&f.lapic, 7, false);
	g_assert_false(irr_has(&f, 7));
	g_assert_true(irr_has(&f, 0xFE));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, 0);
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, VLAPIC_ESR_RECV_ILLEGAL);
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, 0);

	/* Sending an illegal vector: nothing sent. */
	wr(&f, VLAPIC_MSR_ICR, 0x0000000300000005ULL);
	g_assert_cmpuint(f.nr_ipi, ==, 0);
	wr(&f, VLAPIC_MSR_SELF_IPI, 0x0F);
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, VLAPIC_ESR_SEND_ILLEGAL);

	/* With the error LVT masked, errors are only recorded. */
	g_assert_cmpint(inject(&f), ==, 0xFE);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_false(irr_has(&f, 0xFE));
	wr(&f, VLAPIC_MSR_LVT_ERROR, VLAPIC_LVT_MASKED | 0xFE);
	vlapic_accept_irq(&f.lapic, 1, false);
	g_assert_false(irr_has(&f, 0xFE));
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, VLAPIC_ESR_RECV_ILLEGAL);

	/* An illegal error vector is itself recorded, without looping. */
	wr(&f, VLAPIC_MSR_LVT_ERROR, 0x05);
	wr(&f, VLAPIC_MSR_SELF_IPI, 0x02);
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==,
	                VLAPIC_ESR_SEND_ILLEGAL | VLAPIC_ESR_RECV_ILLEGAL);
	for (unsigned i = 0; i < 8; i++)
		g_assert_cmphex(rd(&f, VLAPIC_MSR_IRR0 + i), ==, 0);
}

static void send_icr(struct fake *f, uint64_t icr, struct vlapic_ipi *out)
{
	unsigned before = f->nr_ipi;

	wr(f, VLAPIC_MSR_ICR, icr);
	g_assert_cmpuint(f->nr_ipi, ==, before + 1);
	*out = f->ipi[before];
}

static void test_ipi_decode(void)
{
	static const struct {
		uint32_t icr_dm;
		uint8_t dm;
	} modes[] = {
		{ 0, VLAPIC_DM_FIXED }, { 1, VLAPIC_DM_LOWEST }, { 2, VLAPIC_DM_SMI },
		{ 4, VLAPIC_DM_NMI },   { 5, VLAPIC_DM_INIT },   { 6, VLAPIC_DM_SIPI },
	};
	struct fake f;
	struct vlapic_ipi ipi;

	fake_init_enabled(&f, 9);
	for (unsigned m = 0; m < G_N_ELEMENTS(modes); m++) {
		for (unsigned sh = 0; sh < 4; sh++) {
			for (unsigned logical = 0; logical < 2; logical++) {
				uint64_t dest = 0x00010000ULL | (m + 1);
				uint64_t icr = (dest << 32) | (uint64_t)sh << 18 |
				               (uint64_t)logical << 11 | modes[m].icr_dm << 8 |
				               VLAPIC_ICR_LEVEL_ASSERT | 0x42;

				send_icr(&f, icr, &ipi);
				f.nr_ipi = 0;
				g_assert_cmpuint(ipi.vector, ==, 0x42);
				g_assert_cmpuint(ipi.delivery_mode, ==, modes[m].dm);
				g_assert_cmpuint(ipi.shorthand, ==, sh);
				g_assert_cmpint(ipi.logical, ==, logical);
				g_assert_true(ipi.level_assert);
				g_assert_false(ipi.level_trigger);
				g_assert_cmphex(ipi.dest, ==, dest);
				g_assert_cmpuint(ipi.src_id, ==, 9);
				g_assert_cmphex(rd(&f, VLAPIC_MSR_ICR), ==, icr);
			}
		}
	}

	/* Linux's INIT assert / deassert pair (level-triggered). */
	send_icr(&f, (3ULL << 32) | VLAPIC_ICR_TRIGGER_LEVEL | VLAPIC_ICR_LEVEL_ASSERT | 5 << 8,
	         &ipi);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_INIT);
	g_assert_true(ipi.level_trigger);
	send_icr(&f, (3ULL << 32) | VLAPIC_ICR_TRIGGER_LEVEL | 5 << 8, &ipi);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_INIT_DEASSERT);
	g_assert_cmphex(ipi.dest, ==, 3);
	/* SIPI: vector = start page. */
	send_icr(&f, (3ULL << 32) | 6 << 8 | 0x9A, &ipi);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_SIPI);
	g_assert_cmphex(ipi.vector, ==, 0x9A);
	/* Level-triggered fixed. */
	send_icr(&f, (1ULL << 32) | VLAPIC_ICR_TRIGGER_LEVEL | VLAPIC_ICR_LEVEL_ASSERT | 0x33,
	         &ipi);
	g_assert_true(ipi.level_trigger);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_FIXED);
	/* Broadcast destination. */
	send_icr(&f, (0xFFFFFFFFULL << 32) | 0x34, &ipi);
	g_assert_cmphex(ipi.dest, ==, VLAPIC_BROADCAST);
	/* NMI/INIT/SMI ignore the vector, even an "illegal" one. */
	send_icr(&f, (1ULL << 32) | 4 << 8, &ipi);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_NMI);

	/* Reserved delivery modes send nothing. */
	f.nr_ipi = 0;
	wr(&f, VLAPIC_MSR_ICR, (1ULL << 32) | 3 << 8 | 0x40);
	wr(&f, VLAPIC_MSR_ICR, (1ULL << 32) | 7 << 8 | 0x40);
	g_assert_cmpuint(f.nr_ipi, ==, 0);
	/* Lowest priority with an illegal vector: not sent either. */
	wr(&f, VLAPIC_MSR_ICR, (1ULL << 32) | 1 << 8 | 0x02);
	g_assert_cmpuint(f.nr_ipi, ==, 0);

	/* Delivery status and the reserved ICR bits read as 0. */
	wr(&f, VLAPIC_MSR_ICR, (2ULL << 32) | 0xFFF33000ULL | 0x50);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ICR), ==, (2ULL << 32) | 0x50);
	/* The ICR write itself never touches the local IRR. */
	g_assert_false(irr_has(&f, 0x50));
}

static void test_self_ipi(void)
{
	struct fake f;

	fake_init_enabled(&f, 4);
	wr(&f, VLAPIC_MSR_SELF_IPI, 0x3C);
	g_assert_true(irr_has(&f, 0x3C));
	g_assert_false(tmr_has(&f, 0x3C));
	g_assert_cmpuint(f.nr_ipi, ==, 0);
	g_assert_cmpuint(f.nr_kick, ==, 1);
	g_assert_cmpint(inject(&f), ==, 0x3C);

	/* Bits 31:8 are ignored. */
	wr(&f, VLAPIC_MSR_SELF_IPI, 0xFFFF0041);
	g_assert_true(irr_has(&f, 0x41));
}

static void test_ipi_reentrant(void)
{
	struct fake f;

	/* The VM layer may deliver an IPI back to the sender from inside send_ipi. */
	fake_init_enabled(&f, 2);
	f.ipi_reenter = true;
	wr(&f, VLAPIC_MSR_ICR, (2ULL << 32) | 0x66);
	g_assert_cmpuint(f.nr_ipi, ==, 1);
	g_assert_true(irr_has(&f, 0x66));
	g_assert_cmpuint(f.nr_kick, ==, 1);
	wr(&f, VLAPIC_MSR_ICR, (3ULL << 32) | 0x67);
	g_assert_false(irr_has(&f, 0x67));
}

static void test_match_dest(void)
{
	struct fake f;

	fake_init(&f, 0, true);
	g_assert_true(vlapic_match_dest(&f.lapic, 0, false));
	g_assert_false(vlapic_match_dest(&f.lapic, 1, false));
	g_assert_true(vlapic_match_dest(&f.lapic, VLAPIC_BROADCAST, false));
	g_assert_true(vlapic_match_dest(&f.lapic, VLAPIC_BROADCAST, true));
	g_assert_true(vlapic_match_dest(&f.lapic, 0x00000001, true));
	g_assert_true(vlapic_match_dest(&f.lapic, 0x0000FFFF, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x00000002, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x00010001, true));

	fake_init(&f, 0x13, false); /* cluster 1, member 3 */
	g_assert_true(vlapic_match_dest(&f.lapic, 0x13, false));
	g_assert_false(vlapic_match_dest(&f.lapic, 0xFF, false));
	g_assert_true(vlapic_match_dest(&f.lapic, 0x00010008, true));
	g_assert_true(vlapic_match_dest(&f.lapic, 0x0001000F, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x00010007, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x00000008, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x00020008, true));

	/* A hardware-disabled APIC matches nothing. */
	wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT);
	g_assert_false(vlapic_match_dest(&f.lapic, 0x13, false));
	g_assert_false(vlapic_match_dest(&f.lapic, VLAPIC_BROADCAST, false));
}

static void test_apic_base(void)
{
	struct fake f;
	uint64_t val;
	const uint64_t x2 = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;

	fake_init_enabled(&f, 1);
	/* Rewriting the same value (Linux's x2apic_enable path) is fine; BSP is fixed. */
	wr(&f, VLAPIC_MSR_APIC_BASE, x2);
	wr(&f, VLAPIC_MSR_APIC_BASE, x2 | VLAPIC_BASE_BSP);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, x2);
	/* Invalid: reserved bits, EXTD without EN, x2APIC -> xAPIC without disabling first. */
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, x2 | 1, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, x2 | BIT(9), T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, x2 | BIT(60), T0), ==, -EINVAL);
	g_assert_cmpint(
	        vlapic_msr_write(&f.lapic, 0x1B, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EXTD, T0), ==,
	        -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN, T0),
	                ==, -EINVAL);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, x2);

	/* Disable: registers vanish (#GP), interrupts are refused, the timer stops. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	wr(&f, VLAPIC_MSR_TIMER_INIT, 1000);
	vlapic_accept_irq(&f.lapic, 0x40, false);
	f.nr_arm = 0;
	wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT);
	g_assert_cmpuint(f.nr_arm, ==, 1);
	g_assert_cmphex(f.last_arm, ==, 0);
	g_assert_cmpint(vlapic_msr_read(&f.lapic, VLAPIC_MSR_ID, &val, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_TPR, 0, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	vlapic_accept_irq(&f.lapic, 0x41, false);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, VLAPIC_BASE_DEFAULT);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);

	/* Back to x2APIC: reset state. */
	wr(&f, VLAPIC_MSR_APIC_BASE, x2);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ID), ==, 1);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0xFF);
	g_assert_false(irr_has(&f, 0x40));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, VLAPIC_LVT_MASKED);
}

static void test_init_reset(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	wr(&f, VLAPIC_MSR_TPR, 0x20);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	wr(&f, VLAPIC_MSR_TIMER_DCR, 0xB);
	wr(&f, VLAPIC_MSR_TIMER_INIT, 5000);
	vlapic_accept_irq(&f.lapic, 0x40, true);
	g_assert_cmpint(inject(&f), ==, 0x40);
	vlapic_accept_irq(&f.lapic, 0x90, false);
	f.nr_arm = 0;

	vlapic_reset(&f.lapic);
	g_assert_cmpuint(f.nr_arm, ==, 1);
	g_assert_cmphex(f.last_arm, ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, 0xFEE00D00ULL);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TPR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0xFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, VLAPIC_LVT_MASKED);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TIMER_INIT), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TIMER_CUR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TIMER_DCR), ==, 0);
	g_assert_false(isr_has(&f, 0x40));
	g_assert_false(tmr_has(&f, 0x40));
	g_assert_false(irr_has(&f, 0x90));
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	/* A stale timer callback after the reset does nothing. */
	vlapic_timer_expired(&f.lapic, T0 + 1000000);
	g_assert_false(irr_has(&f, TIMER_VEC));
}

static void test_timer_oneshot(void)
{
	struct fake f;
	const uint64_t unit = 16 * VLAPIC_TSC_PER_BUS_TICK; /* divide by 16 */
	const uint64_t end = T0 + 1000 * unit;

	fake_init_enabled(&f, 0);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	wr(&f, VLAPIC_MSR_TIMER_DCR, 0x3);
	g_assert_cmpuint(f.nr_arm, ==, 0);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 1000, T0);
	g_assert_cmpuint(f.nr_arm, ==, 1);
	g_assert_cmphex(f.last_arm, ==, end);

	/* The count is derived from the TSC. */
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0), ==, 1000);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 1), ==, 1000);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + unit), ==, 999);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 10 * unit + 3), ==, 990);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, end - 1), ==, 1);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, end), ==, 0);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, end + 12345), ==, 0);
	g_assert_cmpuint(rd(&f, VLAPIC_MSR_TIMER_INIT), ==, 1000);

	/* An early callback only re-arms. */
	vlapic_timer_expired(&f.lapic, end - 5);
	g_assert_false(irr_has(&f, TIMER_VEC));
	g_assert_cmpuint(f.nr_arm, ==, 2);
	g_assert_cmphex(f.last_arm, ==, end);

	vlapic_timer_expired(&f.lapic, end + 7);
	g_assert_true(irr_has(&f, TIMER_VEC));
	g_assert_false(tmr_has(&f, TIMER_VEC));
	g_assert_cmpuint(f.nr_kick, ==, 1);
	g_assert_cmpuint(f.nr_arm, ==, 2); /* one-shot: nothing more */
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, end + 100), ==, 0);
	g_assert_cmpuint(rd(&f, VLAPIC_MSR_TIMER_INIT), ==, 1000);
	/* A duplicate callback does nothing. */
	g_assert_cmpint(inject(&f), ==, TIMER_VEC);
	vlapic_timer_expired(&f.lapic, end + 8);
	g_assert_false(irr_has(&f, TIMER_VEC));

	/* Writing 0 stops a running timer; divide-by-1 (0xB). */
	wr(&f, VLAPIC_MSR_TIMER_DCR, 0xB);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 50, T0);
	g_assert_cmphex(f.last_arm, ==, T0 + 50 * VLAPIC_TSC_PER_BUS_TICK);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 0, T0 + 1);
	g_assert_cmphex(f.last_arm, ==, 0);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 2), ==, 0);
	vlapic_timer_expired(&f.lapic, T0 + 1000);
	g_assert_false(irr_has(&f, TIMER_VEC));

	/* Rewriting the initial count restarts the countdown. */
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 100, T0);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 100, T0 + 50);
	g_assert_cmphex(f.last_arm, ==, T0 + 50 + 100 * VLAPIC_TSC_PER_BUS_TICK);
}

static void test_timer_divide(void)
{
	static const struct {
		uint32_t dcr;
		unsigned div;
	} divs[] = { { 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		     { 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 } };
	struct fake f;

	fake_init_enabled(&f, 0);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	for (unsigned i = 0; i < G_N_ELEMENTS(divs); i++) {
		wr(&f, VLAPIC_MSR_TIMER_DCR, divs[i].dcr);
		wr_at(&f, VLAPIC_MSR_TIMER_INIT, 10, T0);
		g_assert_cmphex(f.last_arm, ==, T0 + 10ULL * divs[i].div * VLAPIC_TSC_PER_BUS_TICK);
	}

	/* Changing the divider mid-count keeps the remaining count. */
	wr(&f, VLAPIC_MSR_TIMER_DCR, 0x0); /* /2: 4 ticks per count */
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 100, T0);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 40), ==, 90);
	wr_at(&f, VLAPIC_MSR_TIMER_DCR, 0xB, T0 + 40); /* /1: 2 ticks per count */
	g_assert_cmphex(f.last_arm, ==, T0 + 40 + 90 * 2);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 40), ==, 90);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 60), ==, 80);
}

static void test_timer_periodic(void)
{
	struct fake f;
	const uint64_t per = 200000; /* 100000 counts at /1 */
	uint64_t next;

	fake_init_enabled(&f, 0);
	wr(&f, VLAPIC_MSR_LVT_TIMER, 1U << 17 | TIMER_VEC);
	wr(&f, VLAPIC_MSR_TIMER_DCR, 0xB);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 100000, T0);
	g_assert_cmphex(f.last_arm, ==, T0 + per);

	/* On time: fire and re-arm one period later. */
	vlapic_timer_expired(&f.lapic, T0 + per);
	g_assert_true(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(f.last_arm, ==, T0 + 2 * per);
	g_assert_cmpint(inject(&f), ==, TIMER_VEC);
	wr(&f, VLAPIC_MSR_EOI, 0);

	/* The counter reloads even before the callback runs. */
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + per + 2), ==, 99999);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 2 * per), ==, 100000);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 2 * per + 20), ==, 99990);

	/* Late by 2.5 periods: one interrupt, next deadline stays on the period grid. */
	vlapic_timer_expired(&f.lapic, T0 + 4 * per + per / 2);
	g_assert_true(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(f.last_arm, ==, T0 + 5 * per);
	g_assert_cmpint(inject(&f), ==, TIMER_VEC);

	/* Masked: no interrupt, but it keeps ticking. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, VLAPIC_LVT_MASKED | 1U << 17 | TIMER_VEC);
	next = f.last_arm;
	vlapic_timer_expired(&f.lapic, next);
	g_assert_false(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(f.last_arm, ==, next + per);

	/* Switching periodic -> one-shot keeps the countdown, then stops after it. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	next = f.last_arm;
	vlapic_timer_expired(&f.lapic, next);
	g_assert_true(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(f.last_arm, ==, next);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, next + 10), ==, 0);
}

static void test_timer_periodic_clamp(void)
{
	struct fake f;

	fake_init_enabled(&f, 0);
	wr(&f, VLAPIC_MSR_LVT_TIMER, 1U << 17 | TIMER_VEC);
	wr(&f, VLAPIC_MSR_TIMER_DCR, 0xB);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 1, T0);
	g_assert_cmphex(f.last_arm, ==, T0 + MIN_PER);
	g_assert_cmpuint(rd_at(&f, VLAPIC_MSR_TIMER_CUR, T0 + 10), ==, 1);
	vlapic_timer_expired(&f.lapic, T0 + MIN_PER);
	g_assert_cmphex(f.last_arm, ==, T0 + 2 * MIN_PER);
	/* One-shot is not clamped. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 1, T0);
	g_assert_cmphex(f.last_arm, ==, T0 + VLAPIC_TSC_PER_BUS_TICK);
}

static void test_timer_tsc_deadline(void)
{
	struct fake f;
	const uint32_t lvtt = VLAPIC_LVT_TIMER_TSCDEADLINE << 17 | TIMER_VEC;

	fake_init_enabled(&f, 0);
	/* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	wr(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 500);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);
	g_assert_cmpuint(f.nr_arm, ==, 0);

	wr(&f, VLAPIC_MSR_LVT_TIMER, lvtt);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, lvtt);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 500, T0);
	g_assert_cmpuint(f.nr_arm, ==, 1);
	g_assert_cmphex(f.last_arm, ==, T0 + 500);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, T0 + 500);
	/* Initial count is ignored, current count reads 0. */
	wr(&f, VLAPIC_MSR_TIMER_INIT, 1234);
	g_assert_cmpuint(rd(&f, VLAPIC_MSR_TIMER_INIT), ==, 0);
	g_assert_cmpuint(rd(&f, VLAPIC_MSR_TIMER_CUR), ==, 0);
	g_assert_cmphex(f.last_arm, ==, T0 + 500);

	/* Early callback: re-arm only. */
	vlapic_timer_expired(&f.lapic, T0 + 499);
	g_assert_false(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(f.last_arm, ==, T0 + 500);
	vlapic_timer_expired(&f.lapic, T0 + 500);
	g_assert_true(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);
	g_assert_cmpint(inject(&f), ==, TIMER_VEC);
	wr(&f, VLAPIC_MSR_EOI, 0);

	/* Reprogramming moves the deadline; 0 disarms. */
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 900, T0 + 600);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 800, T0 + 600);
	g_assert_cmphex(f.last_arm, ==, T0 + 800);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, 0, T0 + 600);
	g_assert_cmphex(f.last_arm, ==, 0);
	vlapic_timer_expired(&f.lapic, T0 + 900);
	g_assert_false(irr_has(&f, TIMER_VEC));

	/* A deadline already in the past fires at once. */
	f.nr_arm = 0;
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 1000, T0 + 1000);
	g_assert_true(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);
	g_assert_cmpuint(f.nr_arm, ==, 0);
	g_assert_cmpint(inject(&f), ==, TIMER_VEC);
	wr(&f, VLAPIC_MSR_EOI, 0);

	/* Masked: the deadline passes silently. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, VLAPIC_LVT_MASKED | lvtt);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 2000, T0 + 1500);
	vlapic_timer_expired(&f.lapic, T0 + 2000);
	g_assert_false(irr_has(&f, TIMER_VEC));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);

	/* Leaving TSC-deadline mode disarms. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, lvtt);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 3000, T0 + 2500);
	g_assert_cmphex(f.last_arm, ==, T0 + 3000);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	g_assert_cmphex(f.last_arm, ==, 0);
	wr(&f, VLAPIC_MSR_LVT_TIMER, lvtt);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);

	/* Entering TSC-deadline mode stops a count-mode timer and clears the count. */
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	wr_at(&f, VLAPIC_MSR_TIMER_INIT, 1000, T0);
	g_assert_cmphex(f.last_arm, !=, 0);
	wr(&f, VLAPIC_MSR_LVT_TIMER, lvtt);
	g_assert_cmphex(f.last_arm, ==, 0);
	g_assert_cmpuint(rd(&f, VLAPIC_MSR_TIMER_INIT), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);
}

/* Roughly what Linux 6.1 does to a fresh x2APIC-mode LAPIC on boot. */
static void test_linux_setup(void)
{
	struct fake f;
	uint64_t v;

	fake_init(&f, 0, true);
	v = rd(&f, VLAPIC_MSR_APIC_BASE);
	g_assert_true((v & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
	              (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD));
	g_assert_cmpuint((rd(&f, VLAPIC_MSR_VERSION) >> 16) & 0xFF, >=, 5);
	/* clear_local_APIC: mask everything */
	for (uint32_t msr = VLAPIC_MSR_LVT_TIMER; msr <= VLAPIC_MSR_LVT_ERROR; msr++)
		wr(&f, msr, rd(&f, msr) | VLAPIC_LVT_MASKED);
	wr(&f, VLAPIC_MSR_LVT_CMCI, rd(&f, VLAPIC_MSR_LVT_CMCI) | VLAPIC_LVT_MASKED);
	/* apic_pending_intr_clear: read IRR/ISR, EOI anything in service */
	for (unsigned i = 0; i < 8; i++)
		g_assert_cmphex(rd(&f, VLAPIC_MSR_ISR0 + i) | rd(&f, VLAPIC_MSR_IRR0 + i), ==, 0);
	wr(&f, VLAPIC_MSR_TPR, rd(&f, VLAPIC_MSR_TPR) & ~0xFFULL);
	wr(&f, VLAPIC_MSR_SVR, (rd(&f, VLAPIC_MSR_SVR) & ~0xFFULL) | 0x1FF | BIT(9));
	wr(&f, VLAPIC_MSR_LVT_LINT0, 0x700 | VLAPIC_LVT_MASKED); /* ExtINT, masked */
	wr(&f, VLAPIC_MSR_LVT_LINT1, 0x400);                     /* NMI */
	wr(&f, VLAPIC_MSR_ESR, 0);
	(void)rd(&f, VLAPIC_MSR_ESR);
	wr(&f, VLAPIC_MSR_LVT_ERROR, 0xFE);
	wr(&f, VLAPIC_MSR_ESR, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ESR), ==, 0);
	/* clockevent: TSC-deadline mode, then program deltas */
	wr(&f, VLAPIC_MSR_LVT_TIMER, VLAPIC_LVT_TIMER_TSCDEADLINE << 17 | TIMER_VEC);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 4000000, T0);
	g_assert_cmphex(f.last_arm, ==, T0 + 4000000);
	vlapic_timer_expired(&f.lapic, T0 + 4000001);
	g_assert_cmpint(inject(&f), ==, TIMER_VEC);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0xE0);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 8000000, T0 + 4000100);
	wr(&f, VLAPIC_MSR_EOI, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_PPR), ==, 0);
	g_assert_cmpuint(f.nr_eoi, ==, 0);
	/* shutdown: mask the timer and zero TMICT (ignored in TSC-deadline mode) */
	wr(&f, VLAPIC_MSR_LVT_TIMER, rd(&f, VLAPIC_MSR_LVT_TIMER) | VLAPIC_LVT_MASKED);
	wr(&f, VLAPIC_MSR_TIMER_INIT, 0);
	vlapic_timer_expired(&f.lapic, T0 + 8000000);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
}

/* ---- xAPIC mode ---- */

static uint32_t mrd_at(struct fake *f, uint32_t off, uint64_t now)
{
	uint64_t val = 0xdeadbeefdeadbeefULL;

	g_assert_cmpint(vlapic_mmio_read(&f->lapic, off, 4, &val, now), ==, 0);
	g_assert_cmphex(val >> 32, ==, 0);
	return (uint32_t)val;
}

static uint32_t mrd(struct fake *f, uint32_t off)
{
	return mrd_at(f, off, T0);
}

static void mwr_at(struct fake *f, uint32_t off, uint32_t val, uint64_t now)
{
	g_assert_cmpint(vlapic_mmio_write(&f->lapic, off, 4, val, now), ==, 0);
}

static void mwr(struct fake *f, uint32_t off, uint32_t val)
{
	mwr_at(f, off, val, T0);
}

static bool mirr_has(struct fake *f, unsigned vec)
{
	return mrd(f, VLAPIC_OFF_IRR0 + vec / 32 * 16) & (1U << (vec % 32));
}

static bool misr_has(struct fake *f, unsigned vec)
{
	return mrd(f, VLAPIC_OFF_ISR0 + vec / 32 * 16) & (1U << (vec % 32));
}

/* Linux's __x2apic_disable: clear both enables, then set EN alone. */
static void to_xapic(struct fake *f)
{
	uint64_t base = rd(f, VLAPIC_MSR_APIC_BASE);

	g_assert_true((base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
	              (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD));
	wr(f, VLAPIC_MSR_APIC_BASE, base & ~(VLAPIC_BASE_EN | VLAPIC_BASE_EXTD));
	g_assert_false(vlapic_xapic_mode(&f->lapic));
	wr(f, VLAPIC_MSR_APIC_BASE, base & ~VLAPIC_BASE_EXTD);
	g_assert_true(vlapic_xapic_mode(&f->lapic));
}

/* A software-enabled LAPIC in xAPIC mode. */
static void fake_init_xapic(struct fake *f, uint32_t id)
{
	fake_init(f, id, id == 0);
	to_xapic(f);
	mwr(f, VLAPIC_OFF_SVR, VLAPIC_SVR_ENABLE | 0xFF);
}

static void test_xapic_offsets(void)
{
	/* Shared registers sit at (MSR - 0x800) * 16. */
	static const uint32_t pairs[][2] = {
		{ VLAPIC_MSR_ID, VLAPIC_OFF_ID },
		{ VLAPIC_MSR_VERSION, VLAPIC_OFF_VERSION },
		{ VLAPIC_MSR_TPR, VLAPIC_OFF_TPR },
		{ VLAPIC_MSR_PPR, VLAPIC_OFF_PPR },
		{ VLAPIC_MSR_EOI, VLAPIC_OFF_EOI },
		{ VLAPIC_MSR_LDR, VLAPIC_OFF_LDR },
		{ VLAPIC_MSR_SVR, VLAPIC_OFF_SVR },
		{ VLAPIC_MSR_ISR0, VLAPIC_OFF_ISR0 },
		{ VLAPIC_MSR_TMR0, VLAPIC_OFF_TMR0 },
		{ VLAPIC_MSR_IRR0, VLAPIC_OFF_IRR0 },
		{ VLAPIC_MSR_ESR, VLAPIC_OFF_ESR },
		{ VLAPIC_MSR_LVT_CMCI, VLAPIC_OFF_LVT_CMCI },
		{ VLAPIC_MSR_ICR, VLAPIC_OFF_ICR_LO },
		{ VLAPIC_MSR_LVT_TIMER, VLAPIC_OFF_LVT_TIMER },
		{ VLAPIC_MSR_LVT_THERMAL, VLAPIC_OFF_LVT_THERMAL },
		{ VLAPIC_MSR_LVT_PMC, VLAPIC_OFF_LVT_PMC },
		{ VLAPIC_MSR_LVT_LINT0, VLAPIC_OFF_LVT_LINT0 },
		{ VLAPIC_MSR_LVT_LINT1, VLAPIC_OFF_LVT_LINT1 },
		{ VLAPIC_MSR_LVT_ERROR, VLAPIC_OFF_LVT_ERROR },
		{ VLAPIC_MSR_TIMER_INIT, VLAPIC_OFF_TIMER_INIT },
		{ VLAPIC_MSR_TIMER_CUR, VLAPIC_OFF_TIMER_CUR },
		{ VLAPIC_MSR_TIMER_DCR, VLAPIC_OFF_TIMER_DCR },
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(pairs); i++)
		g_assert_cmphex((pairs[i][0] - VLAPIC_MSR_X2APIC_FIRST) * 16, ==, pairs[i][1]);
}

/*
 * Debian's 6.1 kernel without interrupt remapping: it finds x2APIC enabled,
 * turns it off, and drives the LAPIC through the xAPIC page.
 */
static void test_xapic_linux_sequence(void)
{
	struct fake f;
	struct vlapic_ipi ipi;
	const uint32_t lvtt = VLAPIC_LVT_TIMER_TSCDEADLINE << 17 | TIMER_VEC;

	fake_init(&f, 2, false);
	g_assert_false(vlapic_xapic_mode(&f.lapic));
	/* x2apic: IRQ remapping doesn't support X2APIC mode -> __x2apic_disable() */
	wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT);
	g_assert_false(vlapic_xapic_mode(&f.lapic));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, VLAPIC_BASE_DEFAULT);
	wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN);
	g_assert_true(vlapic_xapic_mode(&f.lapic));
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN);
	g_assert_cmpuint(f.nr_ipi + f.nr_eoi + f.nr_kick, ==, 0);

	/* apic_id_registered(): the id is in bits 31:24 of 0x20. */
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ID), ==, 2U << 24);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_VERSION), ==, VLAPIC_VERSION);
	/* Power-up xAPIC state. */
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LDR), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_DFR), ==, VLAPIC_DFR_FLAT);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_SVR), ==, 0xFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_TIMER), ==, VLAPIC_LVT_MASKED);

	/* init_apic_ldr (flat): DFR flat, LDR = 1 << cpu. */
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_FLAT);
	mwr(&f, VLAPIC_OFF_LDR, (mrd(&f, VLAPIC_OFF_LDR) & ~0xFF000000U) | (1U << 2) << 24);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LDR), ==, 0x04000000);
	/* clear_local_APIC, TPR, SVR, LINTs, ESR */
	mwr(&f, VLAPIC_OFF_LVT_ERROR, VLAPIC_LVT_MASKED);
	mwr(&f, VLAPIC_OFF_TPR, 0);
	mwr(&f, VLAPIC_OFF_SVR, 0x1FF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_SVR), ==, 0x1FF);
	mwr(&f, VLAPIC_OFF_LVT_LINT0, 0x700 | VLAPIC_LVT_MASKED);
	mwr(&f, VLAPIC_OFF_LVT_LINT1, 0x400);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_LINT1), ==, 0x400);
	mwr(&f, VLAPIC_OFF_ESR, 0);
	mwr(&f, VLAPIC_OFF_LVT_ERROR, 0xFE);
	mwr(&f, VLAPIC_OFF_ESR, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ESR), ==, 0);

	/* lapic_next_deadline: TSC-deadline through the LVT page entry and the MSR. */
	mwr(&f, VLAPIC_OFF_LVT_TIMER, lvtt);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_TIMER), ==, lvtt);
	wr_at(&f, VLAPIC_MSR_TSC_DEADLINE, T0 + 4000000, T0);
	g_assert_cmphex(f.last_arm, ==, T0 + 4000000);
	vlapic_timer_expired(&f.lapic, T0 + 4000001);
	g_assert_cmpuint(f.nr_kick, ==, 1);
	g_assert_true(mirr_has(&f, TIMER_VEC));
	g_assert_cmpint(inject(&f), ==, TIMER_VEC);
	g_assert_true(misr_has(&f, TIMER_VEC));
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0xE0);

	/* An IPI: destination first (ICR_HI), then ICR_LO sends. */
	mwr(&f, VLAPIC_OFF_ICR_HI, 0x01U << 24);
	g_assert_cmpuint(f.nr_ipi, ==, 0);
	mwr(&f, VLAPIC_OFF_ICR_LO, VLAPIC_ICR_DEST_LOGICAL | 0xFB);
	g_assert_cmpuint(f.nr_ipi, ==, 1);
	ipi = f.ipi[0];
	g_assert_cmphex(ipi.vector, ==, 0xFB);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_FIXED);
	g_assert_cmpuint(ipi.shorthand, ==, VLAPIC_SH_NONE);
	g_assert_true(ipi.logical);
	g_assert_cmphex(ipi.dest, ==, 0x01);
	g_assert_cmpuint(ipi.src_id, ==, 2);
	/* native_apic_wait_icr_idle: delivery status reads idle. */
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ICR_LO) & BIT(12), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ICR_LO), ==, VLAPIC_ICR_DEST_LOGICAL | 0xFB);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ICR_HI), ==, 0x01U << 24);

	/* EOI through the page. */
	mwr(&f, VLAPIC_OFF_EOI, 0);
	g_assert_false(misr_has(&f, TIMER_VEC));
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0);
	g_assert_cmpuint(f.nr_eoi, ==, 0);

	/* The x2APIC MSRs are gone (#GP); the TSC-deadline MSR and APIC base stay. */
	for (uint32_t msr = VLAPIC_MSR_X2APIC_FIRST; msr <= VLAPIC_MSR_X2APIC_LAST; msr++) {
		uint64_t val;

		g_assert_cmpint(vlapic_msr_read(&f.lapic, msr, &val, T0), ==, -EINVAL);
		g_assert_cmpint(vlapic_msr_write(&f.lapic, msr, 0, T0), ==, -EINVAL);
	}
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_SVR), ==, 0x1FF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TSC_DEADLINE), ==, 0);
}

static void test_xapic_transitions(void)
{
	struct fake f;
	const uint64_t x2 = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;
	const uint64_t xa = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN;
	const uint64_t off = VLAPIC_BASE_DEFAULT;
	uint64_t val;

	/* x2APIC -> xAPIC directly is illegal; nothing changes. */
	fake_init_enabled(&f, 1);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, xa, T0), ==, -EINVAL);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, x2);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0x1FF);
	/* EXTD without EN, from every mode. */
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, off | VLAPIC_BASE_EXTD, T0), ==, -EINVAL);
	/* Moving the page is refused in every mode. */
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, 0xFED00000ULL | x2, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, (1ULL << 40) | x2, T0), ==, -EINVAL);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, x2);

	/* x2APIC -> disabled -> xAPIC: the state is lost on the way. */
	wr(&f, VLAPIC_MSR_TPR, 0x30);
	wr(&f, VLAPIC_MSR_LVT_TIMER, TIMER_VEC);
	wr(&f, VLAPIC_MSR_TIMER_INIT, 1000);
	vlapic_accept_irq(&f.lapic, 0x40, true);
	f.nr_arm = 0;
	wr(&f, VLAPIC_MSR_APIC_BASE, off);
	g_assert_cmpuint(f.nr_arm, ==, 1);
	g_assert_cmphex(f.last_arm, ==, 0);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, off | VLAPIC_BASE_EXTD, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, 0xFED00000ULL | xa, T0), ==, -EINVAL);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, off);
	wr(&f, VLAPIC_MSR_APIC_BASE, xa);
	g_assert_cmpuint(f.nr_arm, ==, 1);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ID), ==, 1U << 24);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TPR), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_SVR), ==, 0xFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LDR), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_DFR), ==, VLAPIC_DFR_FLAT);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_TIMER), ==, VLAPIC_LVT_MASKED);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TIMER_INIT), ==, 0);
	g_assert_false(mirr_has(&f, 0x40));
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TMR0 + 0x20), ==, 0);
	/* xAPIC -> xAPIC and a page move while in xAPIC mode. */
	wr(&f, VLAPIC_MSR_APIC_BASE, xa | VLAPIC_BASE_BSP);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_APIC_BASE), ==, xa);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, 0xFED00000ULL | xa, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_write(&f.lapic, 0x1B, xa | BIT(9), T0), ==, -EINVAL);
	g_assert_true(vlapic_xapic_mode(&f.lapic));

	/* xAPIC -> x2APIC keeps the state; the LDR becomes the derived one. */
	mwr(&f, VLAPIC_OFF_SVR, 0x1FF);
	mwr(&f, VLAPIC_OFF_TPR, 0x20);
	mwr(&f, VLAPIC_OFF_LDR, 0x80000000);
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_CLUSTER);
	mwr(&f, VLAPIC_OFF_LVT_TIMER, TIMER_VEC);
	vlapic_accept_irq(&f.lapic, 0x50, false);
	f.nr_arm = f.nr_kick = 0;
	wr(&f, VLAPIC_MSR_APIC_BASE, x2);
	g_assert_false(vlapic_xapic_mode(&f.lapic));
	g_assert_cmpuint(f.nr_arm + f.nr_kick, ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_ID), ==, 1);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LDR), ==, 1U << 1);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0x1FF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TPR), ==, 0x20);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LVT_TIMER), ==, TIMER_VEC);
	g_assert_true(irr_has(&f, 0x50));
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, 0x50);
	g_assert_cmpuint(mrd(&f, VLAPIC_OFF_SVR), ==, 0xFFFFFFFF); /* page no longer decoded */
	/* The xAPIC-only registers are not MSRs. */
	g_assert_cmpint(vlapic_msr_read(&f.lapic, 0x80E, &val, T0), ==, -EINVAL); /* DFR */
	g_assert_cmpint(vlapic_msr_read(&f.lapic, 0x831, &val, T0), ==, -EINVAL); /* ICR_HI */
	g_assert_cmpint(vlapic_msr_read(&f.lapic, 0x809, &val, T0), ==, -EINVAL); /* APR */
	g_assert_cmpint(vlapic_msr_write(&f.lapic, VLAPIC_MSR_LDR, 0, T0), ==, -EINVAL);

	/* Disabled -> x2APIC directly: #GP on hardware, accepted here (power-up state). */
	wr(&f, VLAPIC_MSR_APIC_BASE, off);
	wr(&f, VLAPIC_MSR_APIC_BASE, x2);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LDR), ==, 1U << 1);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0xFF);
	g_assert_false(irr_has(&f, 0x50));

	/* INIT in xAPIC mode: stays in xAPIC mode with the power-up LDR/DFR. */
	fake_init_xapic(&f, 3);
	mwr(&f, VLAPIC_OFF_LDR, 0x08000000);
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_CLUSTER);
	mwr(&f, VLAPIC_OFF_ICR_HI, 0x03000000);
	vlapic_reset(&f.lapic);
	g_assert_true(vlapic_xapic_mode(&f.lapic));
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ID), ==, 3U << 24);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LDR), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_DFR), ==, VLAPIC_DFR_FLAT);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ICR_HI), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_SVR), ==, 0xFF);
	/* INIT in x2APIC mode keeps the derived LDR. */
	fake_init_enabled(&f, 0x21);
	vlapic_reset(&f.lapic);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_LDR), ==, (2U << 16) | (1U << 1));

	/* xAPIC -> disabled resets as well, including the xAPIC-only registers. */
	fake_init_xapic(&f, 3);
	mwr(&f, VLAPIC_OFF_LDR, 0x08000000);
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_CLUSTER);
	wr(&f, VLAPIC_MSR_APIC_BASE, off);
	g_assert_cmpuint(mrd(&f, VLAPIC_OFF_LDR), ==, 0xFFFFFFFF); /* not decoded */
	g_assert_false(vlapic_match_dest(&f.lapic, 3, false));
	wr(&f, VLAPIC_MSR_APIC_BASE, xa);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LDR), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_DFR), ==, VLAPIC_DFR_FLAT);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_SVR), ==, 0xFF);
}

/* Outside xAPIC mode the page is not decoded: all ones, writes dropped. */
static void test_xapic_mmio_not_decoded(void)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	struct fake f;
	uint64_t val;

	fake_init_enabled(&f, 5);
	for (int pass = 0; pass < 2; pass++) {
		g_assert_false(vlapic_xapic_mode(&f.lapic));
		for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
			unsigned sz = sizes[i];

			g_assert_cmpint(vlapic_mmio_read(&f.lapic, VLAPIC_OFF_ID, sz, &val, T0), ==,
			                0);
			g_assert_cmphex(val, ==, sz == 8 ? ~0ULL : (1ULL << (sz * 8)) - 1);
		}
		g_assert_cmpint(vlapic_mmio_read(&f.lapic, 0xFFF, 1, &val, T0), ==, 0);
		g_assert_cmphex(val, ==, 0xFF);
		mwr(&f, VLAPIC_OFF_TPR, 0x80);
		mwr(&f, VLAPIC_OFF_SVR, 0xFF);
		mwr(&f, VLAPIC_OFF_ICR_LO, 0x40);
		mwr(&f, VLAPIC_OFF_LVT_TIMER, TIMER_VEC);
		mwr(&f, VLAPIC_OFF_TIMER_INIT, 1000);
		g_assert_cmpuint(f.nr_ipi + f.nr_arm, ==, 0);
		/* Then the same with the APIC disabled. */
		wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT);
		f.nr_arm = 0;
	}
	/* Still as before the MMIO writes, once back in x2APIC mode. */
	fake_init_enabled(&f, 5);
	mwr(&f, VLAPIC_OFF_TPR, 0x80);
	mwr(&f, VLAPIC_OFF_SVR, 0xFF);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_TPR), ==, 0);
	g_assert_cmphex(rd(&f, VLAPIC_MSR_SVR), ==, 0x1FF);
	/* Caller bugs. */
	g_assert_cmpint(vlapic_mmio_read(&f.lapic, 0x1000, 4, &val, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_mmio_write(&f.lapic, 0x1000, 4, 0, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_mmio_read(&f.lapic, 0x20, 4, NULL, T0), ==, -EINVAL);
}

static void test_xapic_bad_access(void)
{
	static const unsigned sizes[] = { 0, 1, 2, 3, 8, 16 };
	struct fake f;
	uint64_t val;

	fake_init_xapic(&f, 2);
	mwr(&f, VLAPIC_OFF_TPR, 0x30);
	/* Odd sizes at an aligned register and 32-bit accesses off the 16-byte grid. */
	for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
		val = 0x1234;
		g_assert_cmpint(vlapic_mmio_read(&f.lapic, VLAPIC_OFF_TPR, sizes[i], &val, T0), ==,
		                0);
		g_assert_cmphex(val, ==, 0);
		g_assert_cmpint(vlapic_mmio_write(&f.lapic, VLAPIC_OFF_TPR, sizes[i], 0x90, T0), ==,
		                0);
	}
	for (unsigned o = 1; o < 16; o++) {
		g_assert_cmpuint(mrd(&f, VLAPIC_OFF_ID + o), ==, 0);
		mwr(&f, VLAPIC_OFF_TPR + o, 0x90);
	}
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TPR), ==, 0x30);

	/* Unimplemented, reserved and write-only registers read 0; writes vanish. */
	static const uint32_t holes[] = { 0x000, 0x010, 0x040, 0x070, 0x290, 0x2E0,         0x3A0,
		                          0x3D0, 0x3F0, 0x400, 0x800, 0xFF0, VLAPIC_OFF_EOI };
	for (unsigned i = 0; i < G_N_ELEMENTS(holes); i++) {
		g_assert_cmpuint(mrd(&f, holes[i]), ==, 0);
		if (holes[i] != VLAPIC_OFF_EOI)
			mwr(&f, holes[i], 0x41);
	}
	/* 0x3F0 would be SELF_IPI in x2APIC mode: nothing is raised. */
	g_assert_false(mirr_has(&f, 0x41));
	g_assert_cmpuint(f.nr_kick + f.nr_ipi + f.nr_arm, ==, 0);

	/* Read-only registers ignore writes; the ID stays (see vlapic.c). */
	mwr(&f, VLAPIC_OFF_ID, 0x07000000);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ID), ==, 0x02000000);
	g_assert_true(vlapic_match_dest(&f.lapic, 2, false));
	g_assert_false(vlapic_match_dest(&f.lapic, 7, false));
	mwr(&f, VLAPIC_OFF_VERSION, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_VERSION), ==, VLAPIC_VERSION);
	mwr(&f, VLAPIC_OFF_PPR, 0xF0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0x30);
	mwr(&f, VLAPIC_OFF_IRR0 + 0x20, 0xFFFFFFFF);
	mwr(&f, VLAPIC_OFF_ISR0 + 0x20, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_IRR0 + 0x20), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ISR0 + 0x20), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_APR), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_RRD), ==, 0);
	/* A reserved timer mode is dropped rather than half-applied. */
	mwr(&f, VLAPIC_OFF_LVT_TIMER, TIMER_VEC);
	mwr(&f, VLAPIC_OFF_LVT_TIMER, 3U << 17 | 0x40);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_TIMER), ==, TIMER_VEC);
	/* Bits above 31 of a 4-byte write do not exist. */
	mwr(&f, VLAPIC_OFF_TPR, 0x20);
	g_assert_cmpint(vlapic_mmio_write(&f.lapic, VLAPIC_OFF_TPR, 4, 0x100000040ULL, T0), ==, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TPR), ==, 0x40);
}

static void test_xapic_registers(void)
{
	struct fake f;
	const uint64_t unit = VLAPIC_TSC_PER_BUS_TICK; /* divide by 1 */

	fake_init_xapic(&f, 1);
	/* Writable bits, as in x2APIC mode. */
	mwr(&f, VLAPIC_OFF_TPR, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TPR), ==, 0xFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0xFF);
	mwr(&f, VLAPIC_OFF_TPR, 0);
	mwr(&f, VLAPIC_OFF_SVR, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_SVR), ==, 0x3FF);
	mwr(&f, VLAPIC_OFF_LVT_LINT0, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_LINT0), ==, 0x1A7FF);
	mwr(&f, VLAPIC_OFF_LVT_CMCI, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_CMCI), ==, 0x107FF);
	mwr(&f, VLAPIC_OFF_TIMER_DCR, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TIMER_DCR), ==, 0xB);
	/* xAPIC-only layouts. */
	mwr(&f, VLAPIC_OFF_LDR, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LDR), ==, 0xFF000000);
	mwr(&f, VLAPIC_OFF_DFR, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_DFR), ==, VLAPIC_DFR_CLUSTER);
	mwr(&f, VLAPIC_OFF_DFR, 0xF0000000);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_DFR), ==, VLAPIC_DFR_FLAT);
	mwr(&f, VLAPIC_OFF_ICR_HI, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ICR_HI), ==, 0xFF000000);

	/* ESR: any value latches (x2APIC mode would #GP on non-zero). */
	mwr(&f, VLAPIC_OFF_LVT_ERROR, 0xFE);
	vlapic_accept_irq(&f.lapic, 3, false);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ESR), ==, 0);
	mwr(&f, VLAPIC_OFF_ESR, 0xFFFFFFFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ESR), ==, VLAPIC_ESR_RECV_ILLEGAL);
	g_assert_cmpint(inject(&f), ==, 0xFE);
	/* EOI: any value retires the highest in-service vector. */
	mwr(&f, VLAPIC_OFF_EOI, 0x12345678);
	g_assert_false(misr_has(&f, 0xFE));

	/* Level-triggered EOI reaches the IOAPIC hook; TMR through the page. */
	vlapic_accept_irq(&f.lapic, 0x61, true);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_TMR0 + 3 * 16), ==, 1U << 1);
	g_assert_cmpint(inject(&f), ==, 0x61);
	mwr(&f, VLAPIC_OFF_EOI, 0);
	g_assert_cmpuint(f.nr_eoi, ==, 1);
	g_assert_cmphex(f.eoi[0], ==, 0x61);

	/* A one-shot count-mode timer through the page. */
	mwr(&f, VLAPIC_OFF_LVT_TIMER, TIMER_VEC);
	mwr(&f, VLAPIC_OFF_TIMER_DCR, 0xB);
	mwr_at(&f, VLAPIC_OFF_TIMER_INIT, 100, T0);
	g_assert_cmphex(f.last_arm, ==, T0 + 100 * unit);
	g_assert_cmpuint(mrd(&f, VLAPIC_OFF_TIMER_INIT), ==, 100);
	g_assert_cmpuint(mrd_at(&f, VLAPIC_OFF_TIMER_CUR, T0 + 10 * unit), ==, 90);
	vlapic_timer_expired(&f.lapic, T0 + 100 * unit);
	g_assert_true(mirr_has(&f, TIMER_VEC));
	g_assert_cmpuint(mrd_at(&f, VLAPIC_OFF_TIMER_CUR, T0 + 100 * unit), ==, 0);

	/* Software disable through the page masks the LVTs. */
	mwr(&f, VLAPIC_OFF_SVR, 0xFF);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_LVT_TIMER), ==, VLAPIC_LVT_MASKED | TIMER_VEC);
}

static void test_xapic_tpr(void)
{
	struct fake f;

	fake_init_xapic(&f, 0);
	mwr(&f, VLAPIC_OFF_TPR, 0x40);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0x40);
	vlapic_accept_irq(&f.lapic, 0x45, false);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	g_assert_cmpuint(f.nr_kick, ==, 0);
	vlapic_accept_irq(&f.lapic, 0x51, false);
	g_assert_cmpuint(f.nr_kick, ==, 1);
	g_assert_cmpint(inject(&f), ==, 0x51);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0x50);
	mwr(&f, VLAPIC_OFF_TPR, 0x73);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0x73);
	mwr(&f, VLAPIC_OFF_EOI, 0);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, -1);
	/* Lowering the TPR unblocks 0x45 and kicks. */
	f.nr_kick = 0;
	mwr(&f, VLAPIC_OFF_TPR, 0x3F);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_PPR), ==, 0x3F);
	g_assert_cmpint(vlapic_pending_vector(&f.lapic), ==, 0x45);
	g_assert_cmpuint(f.nr_kick, ==, 1);
	/* A TPR write that unblocks nothing does not kick. */
	g_assert_cmpint(inject(&f), ==, 0x45);
	f.nr_kick = 0;
	mwr(&f, VLAPIC_OFF_TPR, 0);
	g_assert_cmpuint(f.nr_kick, ==, 0);
}

static void xsend(struct fake *f, uint8_t dest, uint32_t lo, struct vlapic_ipi *out)
{
	unsigned before = f->nr_ipi;

	mwr(f, VLAPIC_OFF_ICR_HI, (uint32_t)dest << 24);
	mwr(f, VLAPIC_OFF_ICR_LO, lo);
	g_assert_cmpuint(f->nr_ipi, ==, before + 1);
	*out = f->ipi[before];
}

static void test_xapic_ipi(void)
{
	struct fake f;
	struct vlapic_ipi ipi;

	fake_init_xapic(&f, 6);
	/* Physical, fixed. */
	xsend(&f, 3, 0x4031, &ipi);
	g_assert_cmphex(ipi.dest, ==, 3);
	g_assert_false(ipi.logical);
	g_assert_cmphex(ipi.vector, ==, 0x31);
	g_assert_true(ipi.level_assert);
	g_assert_cmpuint(ipi.src_id, ==, 6);
	/* Physical broadcast arrives as the 8-bit 0xFF. */
	xsend(&f, 0xFF, 0x32, &ipi);
	g_assert_cmphex(ipi.dest, ==, 0xFF);
	/* Shorthands, NMI, INIT assert/deassert, SIPI. */
	xsend(&f, 0, 3U << 18 | 4 << 8, &ipi);
	g_assert_cmpuint(ipi.shorthand, ==, VLAPIC_SH_ALL_EXCL);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_NMI);
	xsend(&f, 1, VLAPIC_ICR_TRIGGER_LEVEL | VLAPIC_ICR_LEVEL_ASSERT | 5 << 8, &ipi);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_INIT);
	g_assert_cmphex(ipi.dest, ==, 1);
	xsend(&f, 1, VLAPIC_ICR_TRIGGER_LEVEL | 5 << 8, &ipi);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_INIT_DEASSERT);
	xsend(&f, 1, 6 << 8 | 0x9A, &ipi);
	g_assert_cmpuint(ipi.delivery_mode, ==, VLAPIC_DM_SIPI);
	g_assert_cmphex(ipi.vector, ==, 0x9A);
	/* ICR_HI is kept: a second ICR_LO write resends to the same place. */
	mwr(&f, VLAPIC_OFF_ICR_LO, 0x44);
	g_assert_cmphex(f.ipi[f.nr_ipi - 1].dest, ==, 1);
	/* Delivery status and reserved bits read 0. */
	mwr(&f, VLAPIC_OFF_ICR_LO, 0xFFF33000U | 0x50);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ICR_LO), ==, 0x50);
	/* Illegal vector: nothing sent, send error latched. */
	f.nr_ipi = 0;
	mwr(&f, VLAPIC_OFF_ICR_LO, 0x05);
	mwr(&f, VLAPIC_OFF_ICR_LO, 3 << 8 | 0x40);
	g_assert_cmpuint(f.nr_ipi, ==, 0);
	mwr(&f, VLAPIC_OFF_ESR, 0);
	g_assert_cmphex(mrd(&f, VLAPIC_OFF_ESR), ==, VLAPIC_ESR_SEND_ILLEGAL);

	/* Delivered back to the sender from inside send_ipi, matched in xAPIC terms. */
	f.ipi_reenter = true;
	f.nr_kick = 0;
	xsend(&f, 6, 0x66, &ipi);
	g_assert_true(mirr_has(&f, 0x66));
	g_assert_cmpuint(f.nr_kick, ==, 1);
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_FLAT);
	mwr(&f, VLAPIC_OFF_LDR, 0x40000000);
	xsend(&f, 0x40, VLAPIC_ICR_DEST_LOGICAL | 0x67, &ipi);
	g_assert_true(mirr_has(&f, 0x67));
	xsend(&f, 0x20, VLAPIC_ICR_DEST_LOGICAL | 0x68, &ipi);
	g_assert_false(mirr_has(&f, 0x68));
}

static void test_xapic_match_dest(void)
{
	struct fake f;

	/* Physical: 8-bit id, 0xFF and 0xFFFFFFFF broadcast. */
	fake_init_xapic(&f, 5);
	g_assert_true(vlapic_match_dest(&f.lapic, 5, false));
	g_assert_false(vlapic_match_dest(&f.lapic, 4, false));
	g_assert_true(vlapic_match_dest(&f.lapic, 0xFF, false));
	g_assert_true(vlapic_match_dest(&f.lapic, VLAPIC_BROADCAST, false));
	/* Wider destinations come from x2APIC senders: no truncated matches. */
	g_assert_false(vlapic_match_dest(&f.lapic, 0x105, false));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x00010020, true));

	/* Logical with the power-up LDR 0: only broadcasts. */
	g_assert_false(vlapic_match_dest(&f.lapic, 0x20, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x7F, true));
	g_assert_true(vlapic_match_dest(&f.lapic, 0xFF, true));
	g_assert_true(vlapic_match_dest(&f.lapic, VLAPIC_BROADCAST, true));

	/* Flat: any common bit. */
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_FLAT);
	mwr(&f, VLAPIC_OFF_LDR, 0x20000000);
	g_assert_true(vlapic_match_dest(&f.lapic, 0x20, true));
	g_assert_true(vlapic_match_dest(&f.lapic, 0x3F, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x1F, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x00, true));
	/* Physical matching ignores the LDR. */
	g_assert_false(vlapic_match_dest(&f.lapic, 0x20, false));
	g_assert_true(vlapic_match_dest(&f.lapic, 5, false));

	/* Cluster: cluster 2, member bit 1. */
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_CLUSTER);
	mwr(&f, VLAPIC_OFF_LDR, 0x22000000);
	g_assert_true(vlapic_match_dest(&f.lapic, 0x22, true));
	g_assert_true(vlapic_match_dest(&f.lapic, 0x2F, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x2D, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x12, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x32, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x02, true));
	g_assert_true(vlapic_match_dest(&f.lapic, 0xFF, true));
	/* The same destination read flat would have matched. */
	mwr(&f, VLAPIC_OFF_DFR, VLAPIC_DFR_FLAT);
	g_assert_true(vlapic_match_dest(&f.lapic, 0x02, true));

	/* Back in x2APIC mode the derived cluster LDR applies again. */
	wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
	g_assert_true(vlapic_match_dest(&f.lapic, 0x00000020, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0x02, true));
	g_assert_false(vlapic_match_dest(&f.lapic, 0xFF, false));
	g_assert_true(vlapic_match_dest(&f.lapic, 5, false));

	/* Disabled: nothing, not even broadcasts. */
	wr(&f, VLAPIC_MSR_APIC_BASE, VLAPIC_BASE_DEFAULT);
	g_assert_false(vlapic_match_dest(&f.lapic, 0xFF, false));
	g_assert_false(vlapic_match_dest(&f.lapic, VLAPIC_BROADCAST, true));
}

static void test_null_ops(void)
{
	struct vlapic v;
	uint64_t val;

	/* Hooks are optional: nothing breaks without them. */
	vlapic_init(&v, 1, false, 0, NULL, NULL);
	g_assert_cmpint(vlapic_msr_write(&v, VLAPIC_MSR_SVR, 0x1FF, T0), ==, 0);
	g_assert_cmpint(vlapic_msr_write(&v, VLAPIC_MSR_LVT_TIMER, 1U << 17 | 0x40, T0), ==, 0);
	g_assert_cmpint(vlapic_msr_write(&v, VLAPIC_MSR_TIMER_INIT, 1, T0), ==, 0);
	vlapic_timer_expired(&v, T0 + 10);
	g_assert_cmpint(vlapic_pending_vector(&v), ==, 0x40);
	g_assert_cmpint(vlapic_msr_write(&v, VLAPIC_MSR_ICR, 0x50, T0), ==, 0);
	g_assert_cmpint(vlapic_msr_read(&v, VLAPIC_MSR_ID, NULL, T0), ==, -EINVAL);
	g_assert_cmpint(vlapic_msr_read(&v, VLAPIC_MSR_ID, &val, T0), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vlapic/reset-state", test_reset_state);
	g_test_add_func("/vlapic/msr-map", test_msr_map);
	g_test_add_func("/vlapic/reserved-bits", test_reserved_bits);
	g_test_add_func("/vlapic/svr-disable", test_svr_disable);
	g_test_add_func("/vlapic/priority-eoi", test_priority_and_eoi);
	g_test_add_func("/vlapic/tpr", test_tpr);
	g_test_add_func("/vlapic/irr-empty", test_irr_empty);
	g_test_add_func("/vlapic/kick-on-eoi", test_kick_on_eoi_unblock);
	g_test_add_func("/vlapic/level-eoi", test_level_eoi);
	g_test_add_func("/vlapic/errors", test_errors);
	g_test_add_func("/vlapic/ipi-decode", test_ipi_decode);
	g_test_add_func("/vlapic/self-ipi", test_self_ipi);
	g_test_add_func("/vlapic/ipi-reentrant", test_ipi_reentrant);
	g_test_add_func("/vlapic/match-dest", test_match_dest);
	g_test_add_func("/vlapic/apic-base", test_apic_base);
	g_test_add_func("/vlapic/init-reset", test_init_reset);
	g_test_add_func("/vlapic/timer-oneshot", test_timer_oneshot);
	g_test_add_func("/vlapic/timer-divide", test_timer_divide);
	g_test_add_func("/vlapic/timer-periodic", test_timer_periodic);
	g_test_add_func("/vlapic/timer-periodic-clamp", test_timer_periodic_clamp);
	g_test_add_func("/vlapic/timer-tsc-deadline", test_timer_tsc_deadline);
	g_test_add_func("/vlapic/linux-setup", test_linux_setup);
	g_test_add_func("/vlapic/null-ops", test_null_ops);
	g_test_add_func("/vlapic/xapic/offsets", test_xapic_offsets);
	g_test_add_func("/vlapic/xapic/linux-sequence", test_xapic_linux_sequence);
	g_test_add_func("/vlapic/xapic/transitions", test_xapic_transitions);
	g_test_add_func("/vlapic/xapic/mmio-not-decoded", test_xapic_mmio_not_decoded);
	g_test_add_func("/vlapic/xapic/bad-access", test_xapic_bad_access);
	g_test_add_func("/vlapic/xapic/registers", test_xapic_registers);
	g_test_add_func("/vlapic/xapic/tpr", test_xapic_tpr);
	g_test_add_func("/vlapic/xapic/ipi", test_xapic_ipi);
	g_test_add_func("/vlapic/xapic/match-dest", test_xapic_match_dest);
	return g_test_run();
}
