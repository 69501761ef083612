/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual local APIC, x2APIC and xAPIC modes (Intel SDM vol. 3, ch. 10/11).
 *
 * Both interfaces address the same registers: internally a register is named
 * by its x2APIC MSR number, and an xAPIC offset maps to 0x800 + offset / 16.
 * The few registers that only exist in xAPIC mode get numbers in that same
 * space (REG_* below), which x2APIC mode treats as reserved MSRs.
 *
 * Every public entry point collects the side effects it needs (arm the timer,
 * forward an EOI, send an IPI, kick the vCPU) in a struct vlapic_work and
 * runs the hooks only at the very end, once the registers are consistent.
 * That is what lets a hook re-enter the same vlapic (see vlapic.h).
 */
#include <arch/vlapic.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/types.h>

/* Writable bits of each LVT; delivery status (12) and remote IRR (14) are read-only. */
#define LVT_MASK_GENERIC 0x000107FFU /* vector, delivery mode, mask */
#define LVT_MASK_TIMER   0x000700FFU /* vector, mask, timer mode */
#define LVT_MASK_LINT    0x0001A7FFU /* + polarity (13), trigger (15) */
#define LVT_MASK_ERROR   0x000100FFU /* vector, mask */

/* Focus checking (bit 9) is kept for Linux; EOI-broadcast suppression is not offered. */
#define SVR_WRITABLE 0x000003FFU

/* x2APIC ICR: no delivery status (12), bits 13, 16-17 and 20-31 reserved. */
#define ICR_WRITABLE 0xFFFFFFFF000CCFFFULL
/* xAPIC ICR: the same low half; ICR_HI has only the 8-bit destination (31:24). */
#define ICR_XAPIC_WRITABLE 0xFF000000000CCFFFULL
#define ICR_HI_WRITABLE    0xFF000000U

#define LDR_XAPIC_WRITABLE 0xFF000000U
#define DFR_MODEL_MASK     0xF0000000U

/* xAPIC-only registers, at 0x800 + offset / 16 like the rest. */
#define REG_APR            0x809U
#define REG_RRD            0x80CU
#define REG_DFR            0x80EU
#define REG_ICR_HI         0x831U

#define DCR_WRITABLE       0x0000000BU

#define APIC_BASE_RESERVED (0xFFULL | BIT(9) | (~0ULL << 52))
#define APIC_BASE_ADDR     (~0xFFFULL & ~(~0ULL << 52))
#define APIC_BASE_MODE     (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)

struct vlapic_work {
	bool arm;  /* timer_deadline changed: tell the owner */
	bool kick; /* IRR grew or PPR dropped: kick if something is deliverable */
	bool eoi;
	uint8_t eoi_vector;
	bool ipi;
	struct vlapic_ipi ipi_msg;
};

static bool vec_test(const uint32_t *r, unsigned vec)
{
	return r[vec >> 5] & (1U << (vec & 31));
}

static void vec_set(uint32_t *r, unsigned vec)
{
	r[vec >> 5] |= 1U << (vec & 31);
}

static void vec_clear(uint32_t *r, unsigned vec)
{
	r[vec >> 5] &= ~(1U << (vec & 31));
}

static int vec_highest(const uint32_t *r)
{
	for (int i = 7; i >= 0; i--) {
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	}
	return -1;
}

static bool hw_enabled(const struct vlapic *v)
{
	return (v->apic_base & VLAPIC_BASE_EN) != 0;
}

static bool x2apic_mode(const struct vlapic *v)
{
	return (v->apic_base & APIC_BASE_MODE) == APIC_BASE_MODE;
}

bool vlapic_xapic_mode(const struct vlapic *v)
{
	return (v->apic_base & APIC_BASE_MODE) == VLAPIC_BASE_EN;
}

static bool sw_enabled(const struct vlapic *v)
{
	return (v->svr & VLAPIC_SVR_ENABLE) != 0;
}

static uint32_t ldr_of(uint32_t id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xF));
}

static void update_ppr(struct vlapic *v)
{
	int isrv = vec_highest(v->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	v->ppr = (v->tpr & 0xF0) >= isr_class ? v->tpr : isr_class;
}

/* ---- timer ---- */

static unsigned timer_mode(const struct vlapic *v)
{
	return (v->lvt[VLAPIC_LVT_TIMER] >> VLAPIC_LVT_TIMER_MODE_SHIFT) & 3;
}

/* TSC ticks per count: bus ratio times the divide configuration (1..128). */
static uint64_t timer_unit(const struct vlapic *v)
{
	unsigned sel = ((v->timer_dcr & 8) >> 1) | (v->timer_dcr & 3);
	uint64_t div = sel == 7 ? 1 : 2ULL << sel;

	return div * VLAPIC_TSC_PER_BUS_TICK;
}

/*
 * A periodic timer can be programmed to fire every few TSC ticks; reloads are
 * clamped so a guest cannot flood the host with timer expiries.
 */
static uint64_t effective_period(const struct vlapic *v)
{
	uint64_t min = v->tsc_khz * VLAPIC_MIN_PERIOD_US / 1000U;

	if (timer_mode(v) == VLAPIC_LVT_TIMER_PERIODIC && v->timer_period < min)
		return min;
	return v->timer_period;
}

static void timer_set(struct vlapic *v, struct vlapic_work *w, uint64_t deadline)
{
	if (v->timer_deadline != deadline)
		w->arm = true;
	v->timer_deadline = deadline;
}

static bool count_mode_running(const struct vlapic *v)
{
	return timer_mode(v) != VLAPIC_LVT_TIMER_TSCDEADLINE && v->timer_deadline &&
	       v->timer_period;
}

static uint32_t current_count(const struct vlapic *v, uint64_t now)
{
	uint64_t unit = timer_unit(v), remaining, count;

	if (!count_mode_running(v))
		return 0;
	if (now < v->timer_deadline) {
		remaining = v->timer_deadline - now;
	} else if (timer_mode(v) == VLAPIC_LVT_TIMER_PERIODIC) {
		/* Expired but the hook has not run yet: the counter already reloaded. */
		uint64_t p = effective_period(v);

		remaining = p - (now - v->timer_deadline) % p;
	} else {
		return 0;
	}
	/* The count drops by one at the end of each unit, so round up. */
	count = (remaining + unit - 1) / unit;
	return count > v->timer_initial ? v->timer_initial : (uint32_t)count;
}

/* ---- interrupt acceptance ---- */

static void accept(struct vlapic *v, struct vlapic_work *w, uint8_t vector, bool level);

static void set_error(struct vlapic *v, struct vlapic_work *w, uint32_t bit)
{
	uint32_t lvt = v->lvt[VLAPIC_LVT_ERROR];

	v->esr_pending |= bit;
	if (lvt & VLAPIC_LVT_MASKED)
		return;
	if ((lvt & 0xFF) < 16) {
		/* The error vector itself is illegal: record it, raise nothing. */
		v->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL;
		return;
	}
	accept(v, w, (uint8_t)lvt, false);
}

static void accept(struct vlapic *v, struct vlapic_work *w, uint8_t vector, bool level)
{
	/* A software-disabled APIC takes only NMI/SMI/INIT/SIPI, which the VM layer handles. */
	if (!hw_enabled(v) || !sw_enabled(v))
		return;
	if (vector < 16) {
		set_error(v, w, VLAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	vec_set(v->irr, vector);
	v->irr_words |= 1U << (vector >> 5);
	if (level)
		vec_set(v->tmr, vector);
	else
		vec_clear(v->tmr, vector);
	w->kick = true;
}

static void fire_timer(struct vlapic *v, struct vlapic_work *w)
{
	uint32_t lvt = v->lvt[VLAPIC_LVT_TIMER];

	if (!(lvt & VLAPIC_LVT_MASKED))
		accept(v, w, (uint8_t)lvt, false);
}

static void finish(struct vlapic *v, struct vlapic_work *w)
{
	const struct vlapic_ops *ops = v->ops;
	bool kick = w->kick && vlapic_pending_vector(v) >= 0;
	uint64_t deadline = v->timer_deadline;

	if (!ops)
		return;
	if (w->arm && ops->timer_arm)
		ops->timer_arm(v->owner, deadline);
	if (w->eoi && ops->eoi_level)
		ops->eoi_level(v->owner, w->eoi_vector);
	if (w->ipi && ops->send_ipi)
		ops->send_ipi(v->owner, &w->ipi_msg);
	if (kick && ops->kick)
		ops->kick(v->owner);
}

/* ---- reset ---- */

static void reset_regs(struct vlapic *v, struct vlapic_work *w)
{
	v->tpr = 0;
	v->ppr = 0;
	v->svr = 0xFF;
	v->esr = 0;
	v->esr_pending = 0;
	for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
		v->lvt[i] = VLAPIC_LVT_MASKED;
	memset(v->isr, 0, sizeof(v->isr));
	memset(v->tmr, 0, sizeof(v->tmr));
	memset(v->irr, 0, sizeof(v->irr));
	v->irr_words = 0;
	v->icr = 0;
	/* x2APIC derives the LDR from the id; xAPIC powers up with LDR 0, flat model. */
	v->ldr = x2apic_mode(v) ? ldr_of(v->apic_id) : 0;
	v->dfr = VLAPIC_DFR_FLAT;
	v->timer_initial = 0;
	v->timer_dcr = 0;
	v->timer_period = 0;
	timer_set(v, w, 0);
}

void vlapic_init(struct vlapic *v, uint32_t apic_id, bool bsp, uint64_t tsc_khz,
                 const struct vlapic_ops *ops, void *owner)
{
	struct vlapic_work w = { 0 };

	memset(v, 0, sizeof(*v));
	v->ops = ops;
	v->owner = owner;
	v->tsc_khz = tsc_khz;
	v->apic_id = apic_id;
	v->apic_base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD;
	if (bsp)
		v->apic_base |= VLAPIC_BASE_BSP;
	reset_regs(v, &w);
}

void vlapic_reset(struct vlapic *v)
{
	struct vlapic_work w = { 0 };

	reset_regs(v, &w);
	finish(v, &w);
}

/* ---- MSR access ---- */

bool vlapic_handles_msr(uint32_t msr)
{
	return msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE ||
	       (msr >= VLAPIC_MSR_X2APIC_FIRST && msr <= VLAPIC_MSR_X2APIC_LAST);
}

static int lvt_index(uint32_t msr)
{
	switch (msr) {
	case VLAPIC_MSR_LVT_CMCI:
		return VLAPIC_LVT_CMCI;
	case VLAPIC_MSR_LVT_TIMER:
		return VLAPIC_LVT_TIMER;
	case VLAPIC_MSR_LVT_THERMAL:
		return VLAPIC_LVT_THERMAL;
	case VLAPIC_MSR_LVT_PMC:
		return VLAPIC_LVT_PMC;
	case VLAPIC_MSR_LVT_LINT0:
		return VLAPIC_LVT_LINT0;
	case VLAPIC_MSR_LVT_LINT1:
		return VLAPIC_LVT_LINT1;
	case VLAPIC_MSR_LVT_ERROR:
		return VLAPIC_LVT_ERROR;
	default:
		return -1;
	}
}

/*
 * Read register reg (an MSR number, see the top of the file) in the current
 * mode, which the caller has checked is x2APIC or xAPIC. -EINVAL: the
 * register does not exist in this mode or is write-only.
 */
static int read_reg(struct vlapic *v, uint32_t reg, uint64_t *val, uint64_t now)
{
	bool x2 = x2apic_mode(v);
	int lvt;

	if (reg >= VLAPIC_MSR_ISR0 && reg < VLAPIC_MSR_ISR0 + 8) {
		*val = v->isr[reg - VLAPIC_MSR_ISR0];
		return 0;
	}
	if (reg >= VLAPIC_MSR_TMR0 && reg < VLAPIC_MSR_TMR0 + 8) {
		*val = v->tmr[reg - VLAPIC_MSR_TMR0];
		return 0;
	}
	if (reg >= VLAPIC_MSR_IRR0 && reg < VLAPIC_MSR_IRR0 + 8) {
		*val = v->irr[reg - VLAPIC_MSR_IRR0];
		return 0;
	}
	lvt = lvt_index(reg);
	if (lvt >= 0) {
		*val = v->lvt[lvt];
		return 0;
	}

	switch (reg) {
	case VLAPIC_MSR_ID:
		/* xAPIC: 8-bit id in bits 31:24. */
		*val = x2 ? v->apic_id : (v->apic_id & 0xFF) << 24;
		break;
	case VLAPIC_MSR_VERSION:
		*val = VLAPIC_VERSION;
		break;
	case VLAPIC_MSR_TPR:
		*val = v->tpr;
		break;
	case VLAPIC_MSR_PPR:
		*val = v->ppr;
		break;
	case VLAPIC_MSR_LDR:
		*val = v->ldr;
		break;
	case VLAPIC_MSR_SVR:
		*val = v->svr;
		break;
	case VLAPIC_MSR_ESR:
		*val = v->esr;
		break;
	case VLAPIC_MSR_ICR:
		/* xAPIC: ICR_LO; the IPI is gone at once, so delivery status (12) reads 0. */
		*val = x2 ? v->icr : (uint32_t)v->icr;
		break;
	case VLAPIC_MSR_TIMER_INIT:
		*val = v->timer_initial;
		break;
	case VLAPIC_MSR_TIMER_CUR:
		*val = current_count(v, now);
		break;
	case VLAPIC_MSR_TIMER_DCR:
		*val = v->timer_dcr;
		break;
	case REG_ICR_HI:
		if (x2)
			return -EINVAL;
		*val = v->icr >> 32;
		break;
	case REG_DFR:
		if (x2)
			return -EINVAL;
		*val = v->dfr;
		break;
	case REG_APR:
	case REG_RRD:
		/*
		 * Arbitration priority only matters to bus arbitration, which
		 * is not modelled; remote read was never used by software
		 * (its status in ICR_LO stays "invalid"). Both read 0.
		 */
		if (x2)
			return -EINVAL;
		*val = 0;
		break;
	default:
		/* EOI and SELF_IPI are write-only; the rest of the range does not exist. */
		return -EINVAL;
	}
	return 0;
}

int vlapic_msr_read(struct vlapic *v, uint32_t msr, uint64_t *val, uint64_t now_tsc)
{
	if (!val)
		return -EINVAL;
	if (msr == VLAPIC_MSR_APIC_BASE) {
		*val = v->apic_base;
		return 0;
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		/* Reads 0 outside TSC-deadline mode and once the deadline has passed. */
		*val = timer_mode(v) == VLAPIC_LVT_TIMER_TSCDEADLINE ? v->timer_deadline : 0;
		return 0;
	}
	/* The x2APIC MSRs #GP when disabled and in xAPIC mode, as on hardware. */
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST || !x2apic_mode(v))
		return -EINVAL;
	return read_reg(v, msr, val, now_tsc);
}

static int write_apic_base(struct vlapic *v, struct vlapic_work *w, uint64_t val)
{
	uint64_t old = v->apic_base & APIC_BASE_MODE, mode = val & APIC_BASE_MODE;

	if (val & APIC_BASE_RESERVED)
		return -EINVAL;
	/*
	 * The page stays at 0xFEE00000: the VM layer decodes one xAPIC page
	 * for all vCPUs there, so a relocated page could not be routed. No
	 * guest we run moves it; refusing with #GP beats a silently dead page.
	 */
	if ((val & APIC_BASE_ADDR) != VLAPIC_BASE_DEFAULT)
		return -EINVAL;
	/* EXTD without EN is invalid; x2APIC -> xAPIC must go through disabled (SDM 10.12.5). */
	if (mode == VLAPIC_BASE_EXTD)
		return -EINVAL;
	if (mode == VLAPIC_BASE_EN && old == APIC_BASE_MODE)
		return -EINVAL;

	/* The BSP flag is fixed by the platform. */
	v->apic_base = (val & ~VLAPIC_BASE_BSP) | (v->apic_base & VLAPIC_BASE_BSP);
	if (mode == old)
		return 0;
	if (!mode || !old) {
		/*
		 * Disabling the APIC loses its state (SDM 10.4.3), and enabling
		 * it from there starts from the power-up values of the new mode
		 * (xAPIC: LDR 0, DFR flat). Disabled -> x2APIC directly would
		 * #GP on hardware, which insists on the xAPIC step; it is
		 * accepted here because this vLAPIC powers up in x2APIC mode
		 * and guests written for that (our test guests) re-enable it
		 * that way.
		 */
		reset_regs(v, w);
	} else {
		/*
		 * xAPIC -> x2APIC keeps the state, but the LDR becomes the one
		 * derived from the x2APIC id (SDM 10.12.5.1); the DFR is gone.
		 */
		v->ldr = ldr_of(v->apic_id);
	}
	return 0;
}

static void write_tsc_deadline(struct vlapic *v, struct vlapic_work *w, uint64_t val, uint64_t now)
{
	if (!hw_enabled(v) || timer_mode(v) != VLAPIC_LVT_TIMER_TSCDEADLINE)
		return; /* ignored outside TSC-deadline mode */
	if (val && val <= now) {
		/* Already in the past: fire now rather than bounce through the host timer. */
		timer_set(v, w, 0);
		fire_timer(v, w);
		return;
	}
	timer_set(v, w, val);
}

static void write_lvt_timer(struct vlapic *v, struct vlapic_work *w, uint32_t val)
{
	unsigned old_mode = timer_mode(v);
	unsigned new_mode = (val >> VLAPIC_LVT_TIMER_MODE_SHIFT) & 3;

	v->lvt[VLAPIC_LVT_TIMER] = val;
	/*
	 * Switching between TSC-deadline and a count mode disarms the timer;
	 * one-shot <-> periodic keeps the current countdown (SDM 10.5.4.1).
	 */
	if ((old_mode == VLAPIC_LVT_TIMER_TSCDEADLINE) !=
	    (new_mode == VLAPIC_LVT_TIMER_TSCDEADLINE)) {
		v->timer_initial = 0;
		v->timer_period = 0;
		timer_set(v, w, 0);
	}
}

static void write_timer_init(struct vlapic *v, struct vlapic_work *w, uint32_t val, uint64_t now)
{
	if (timer_mode(v) == VLAPIC_LVT_TIMER_TSCDEADLINE)
		return; /* ignored in TSC-deadline mode */
	v->timer_initial = val;
	v->timer_period = (uint64_t)val * timer_unit(v);
	timer_set(v, w, val ? now + effective_period(v) : 0);
}

static void write_timer_dcr(struct vlapic *v, struct vlapic_work *w, uint32_t val, uint64_t now)
{
	uint32_t cur = current_count(v, now);
	bool running = count_mode_running(v);

	v->timer_dcr = val & DCR_WRITABLE;
	if (!running)
		return;
	/* Keep the remaining count, now counted at the new rate. */
	v->timer_period = (uint64_t)v->timer_initial * timer_unit(v);
	if (cur)
		timer_set(v, w, now + (uint64_t)cur * timer_unit(v));
}

/* A full ICR value was written (x2APIC ICR, or xAPIC ICR_LO over the held ICR_HI): send. */
static void write_icr(struct vlapic *v, struct vlapic_work *w, uint64_t val)
{
	struct vlapic_ipi *ipi = &w->ipi_msg;
	bool x2 = x2apic_mode(v);
	unsigned dm;

	v->icr = val & (x2 ? ICR_WRITABLE : ICR_XAPIC_WRITABLE);
	dm = (v->icr >> 8) & 7;
	if (dm == 3 || dm == VLAPIC_DM_EXTINT)
		return; /* reserved encodings: nothing is sent */

	ipi->vector = (uint8_t)v->icr;
	ipi->delivery_mode = (uint8_t)dm;
	ipi->logical = (v->icr & VLAPIC_ICR_DEST_LOGICAL) != 0;
	ipi->level_assert = (v->icr & VLAPIC_ICR_LEVEL_ASSERT) != 0;
	ipi->level_trigger = (v->icr & VLAPIC_ICR_TRIGGER_LEVEL) != 0;
	ipi->shorthand = (uint8_t)((v->icr >> VLAPIC_ICR_SHORTHAND_SHIFT) & 3);
	ipi->dest = (uint32_t)(v->icr >> (x2 ? 32 : 56));
	ipi->src_id = v->apic_id;
	if (dm == VLAPIC_DM_INIT && ipi->level_trigger && !ipi->level_assert)
		ipi->delivery_mode = VLAPIC_DM_INIT_DEASSERT;
	if ((dm == VLAPIC_DM_FIXED || dm == VLAPIC_DM_LOWEST) && ipi->vector < 16) {
		set_error(v, w, VLAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	w->ipi = true;
}

/*
 * Write register reg in the current mode (x2APIC or xAPIC, checked by the
 * caller). -EINVAL: no such writable register or a reserved value; the MSR
 * path turns that into #GP, the MMIO path drops the write.
 */
static int write_reg(struct vlapic *v, struct vlapic_work *w, uint32_t reg, uint64_t val,
                     uint64_t now)
{
	bool x2 = x2apic_mode(v);
	uint32_t val32 = (uint32_t)val;
	int lvt, isrv;

	/* Bits 63:32 are reserved in every x2APIC register but the ICR. */
	if (reg != VLAPIC_MSR_ICR && (val >> 32))
		return -EINVAL;

	lvt = lvt_index(reg);
	if (lvt >= 0) {
		static const uint32_t masks[VLAPIC_LVT_COUNT] = {
			[VLAPIC_LVT_CMCI] = LVT_MASK_GENERIC,
			[VLAPIC_LVT_TIMER] = LVT_MASK_TIMER,
			[VLAPIC_LVT_THERMAL] = LVT_MASK_GENERIC,
			[VLAPIC_LVT_PMC] = LVT_MASK_GENERIC,
			[VLAPIC_LVT_LINT0] = LVT_MASK_LINT,
			[VLAPIC_LVT_LINT1] = LVT_MASK_LINT,
			[VLAPIC_LVT_ERROR] = LVT_MASK_ERROR,
		};

		val32 &= masks[lvt];
		/* While software-disabled the mask bits are stuck at 1 (SDM 10.4.7.2). */
		if (!sw_enabled(v))
			val32 |= VLAPIC_LVT_MASKED;
		if (lvt == VLAPIC_LVT_TIMER) {
			if (((val32 >> VLAPIC_LVT_TIMER_MODE_SHIFT) & 3) == 3)
				return -EINVAL; /* reserved timer mode */
			write_lvt_timer(v, w, val32);
		} else {
			v->lvt[lvt] = val32;
		}
		return 0;
	}

	switch (reg) {
	case VLAPIC_MSR_TPR:
		v->tpr = val32 & 0xFF;
		update_ppr(v);
		w->kick = true;
		return 0;
	case VLAPIC_MSR_EOI:
		/* x2APIC insists on 0; the xAPIC ignores the value written. */
		if (x2 && val32)
			return -EINVAL;
		isrv = vec_highest(v->isr);
		if (isrv < 0)
			return 0; /* EOI with nothing in service: no effect */
		vec_clear(v->isr, (unsigned)isrv);
		update_ppr(v);
		if (vec_test(v->tmr, (unsigned)isrv)) {
			w->eoi = true;
			w->eoi_vector = (uint8_t)isrv;
		}
		w->kick = true;
		return 0;
	case VLAPIC_MSR_SVR:
		v->svr = val32 & SVR_WRITABLE;
		if (!sw_enabled(v)) {
			for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
				v->lvt[i] |= VLAPIC_LVT_MASKED;
		}
		return 0;
	case VLAPIC_MSR_ESR:
		/* Any write latches the errors seen; x2APIC mode only allows writing 0. */
		if (x2 && val32)
			return -EINVAL;
		v->esr = v->esr_pending;
		v->esr_pending = 0;
		return 0;
	case VLAPIC_MSR_ICR:
		write_icr(v, w, x2 ? val : (v->icr & ~0xFFFFFFFFULL) | val32);
		return 0;
	case VLAPIC_MSR_TIMER_INIT:
		write_timer_init(v, w, val32, now);
		return 0;
	case VLAPIC_MSR_TIMER_DCR:
		write_timer_dcr(v, w, val32, now);
		return 0;
	case VLAPIC_MSR_SELF_IPI:
		if (!x2)
			return -EINVAL; /* x2APIC only */
		if ((val32 & 0xFF) < 16)
			set_error(v, w, VLAPIC_ESR_SEND_ILLEGAL);
		else
			accept(v, w, (uint8_t)val32, false);
		return 0;
	case VLAPIC_MSR_ID:
		/*
		 * Many xAPIC implementations let software rewrite the ID, but
		 * the MADT, the vIOAPIC routing and IPI targeting all assume
		 * APIC id == vCPU index, so it stays read-only here (writes
		 * dropped), as in x2APIC mode.
		 */
		return -EINVAL;
	case VLAPIC_MSR_LDR:
		if (x2)
			return -EINVAL; /* derived from the id, read-only */
		v->ldr = val32 & LDR_XAPIC_WRITABLE;
		return 0;
	case REG_DFR:
		if (x2)
			return -EINVAL;
		/* Only the model (31:28) is writable; flat and cluster are the defined ones. */
		v->dfr = (val32 & DFR_MODEL_MASK) | ~DFR_MODEL_MASK;
		return 0;
	case REG_ICR_HI:
		if (x2)
			return -EINVAL;
		/* Held until ICR_LO is written, which is what sends. */
		v->icr = (v->icr & 0xFFFFFFFFULL) | (uint64_t)(val32 & ICR_HI_WRITABLE) << 32;
		return 0;
	default:
		/* Read-only (version, PPR, ISR/TMR/IRR, current count, APR, RRD) or absent. */
		return -EINVAL;
	}
}

int vlapic_msr_write(struct vlapic *v, uint32_t msr, uint64_t val, uint64_t now_tsc)
{
	struct vlapic_work w = { 0 };
	int err;

	if (msr == VLAPIC_MSR_APIC_BASE) {
		err = write_apic_base(v, &w, val);
	} else if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		write_tsc_deadline(v, &w, val, now_tsc);
		err = 0;
	} else if (msr >= VLAPIC_MSR_X2APIC_FIRST && msr <= VLAPIC_MSR_X2APIC_LAST &&
	           x2apic_mode(v)) {
		err = write_reg(v, &w, msr, val, now_tsc);
	} else {
		err = -EINVAL;
	}
	finish(v, &w);
	return err;
}

/* ---- xAPIC page ---- */

static uint64_t all_ones(unsigned size)
{
	return size >= 1 && size < 8 ? (1ULL << (size * 8)) - 1 : ~0ULL;
}

/* The register behind an architectural access, or 0 for anything else. */
static uint32_t mmio_reg(uint64_t offset, unsigned size)
{
	if (size != 4 || (offset & 0xF))
		return 0;
	return VLAPIC_MSR_X2APIC_FIRST + (uint32_t)(offset >> 4);
}

int vlapic_mmio_read(struct vlapic *v, uint64_t offset, unsigned size, uint64_t *val,
                     uint64_t now_tsc)
{
	uint32_t reg;
	uint64_t data;

	if (!val || offset >= VLAPIC_XAPIC_PAGE_SIZE)
		return -EINVAL;
	if (!vlapic_xapic_mode(v)) {
		/* Not decoded: whatever is behind it floats, as for a disabled APIC. */
		*val = all_ones(size);
		return 0;
	}
	reg = mmio_reg(offset, size);
	/* Odd sizes and offsets are model specific (SDM 10.4.1); they read 0 here. */
	*val = reg && read_reg(v, reg, &data, now_tsc) == 0 ? data : 0;
	return 0;
}

int vlapic_mmio_write(struct vlapic *v, uint64_t offset, unsigned size, uint64_t val,
                      uint64_t now_tsc)
{
	struct vlapic_work w = { 0 };
	uint32_t reg;

	if (offset >= VLAPIC_XAPIC_PAGE_SIZE)
		return -EINVAL;
	reg = mmio_reg(offset, size);
	if (!vlapic_xapic_mode(v) || !reg)
		return 0;
	/* There is no #GP for a store: a write the register refuses is just dropped. */
	(void)write_reg(v, &w, reg, (uint32_t)val, now_tsc);
	finish(v, &w);
	return 0;
}

/* ---- interrupt flow ---- */

void vlapic_accept_irq(struct vlapic *v, uint8_t vector, bool level)
{
	struct vlapic_work w = { 0 };

	accept(v, &w, vector, level);
	finish(v, &w);
}

__hot int vlapic_pending_vector(const struct vlapic *v)
{
	int irrv;

	if (!hw_enabled(v))
		return -1;
	irrv = vec_highest(v->irr);
	if (irrv < 0 || ((uint32_t)irrv & 0xF0) <= (v->ppr & 0xF0))
		return -1;
	return irrv;
}

void vlapic_ack(struct vlapic *v, uint8_t vector)
{
	if (!vec_test(v->irr, vector))
		return;
	vec_clear(v->irr, vector);
	if (!v->irr[vector >> 5])
		v->irr_words &= ~(1U << (vector >> 5));
	vec_set(v->isr, vector);
	update_ppr(v);
}

void vlapic_timer_expired(struct vlapic *v, uint64_t now_tsc)
{
	struct vlapic_work w = { 0 };

	if (!v->timer_deadline)
		return; /* cancelled since it was armed */
	if (now_tsc < v->timer_deadline) {
		/* Early or stale: make sure the owner's timer is set for the real deadline. */
		w.arm = true;
	} else if (timer_mode(v) == VLAPIC_LVT_TIMER_PERIODIC && v->timer_period) {
		uint64_t p = effective_period(v);
		uint64_t missed = (now_tsc - v->timer_deadline) / p;

		/* Periods missed while the vCPU was away coalesce into one IRR bit. */
		timer_set(v, &w, v->timer_deadline + (missed + 1) * p);
		fire_timer(v, &w);
	} else {
		/* One-shot ends with count 0; TSC-deadline ends with the MSR reading 0. */
		v->timer_deadline = 0;
		fire_timer(v, &w);
	}
	finish(v, &w);
}

bool vlapic_match_dest(const struct vlapic *v, uint32_t dest, bool logical)
{
	uint32_t ldr;

	if (!hw_enabled(v))
		return false;
	if (dest == VLAPIC_BROADCAST)
		return true;
	if (x2apic_mode(v)) {
		if (!logical)
			return dest == v->apic_id;
		/* Cluster model: bits 31:16 select the cluster, 15:0 a bitmap of members. */
		ldr = v->ldr;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFF) != 0;
	}

	/*
	 * xAPIC destinations are 8 bits. A wider one can only come from an
	 * x2APIC-mode sender, a mix the SDM leaves undefined: rather than
	 * match a truncated id, match nothing.
	 */
	if (dest > 0xFF)
		return false;
	/* All ones is a broadcast, physical or logical in either model (SDM 10.6.2). */
	if (dest == 0xFF)
		return true;
	if (!logical)
		return dest == v->apic_id;
	ldr = v->ldr >> 24;
	if ((v->dfr & DFR_MODEL_MASK) == (VLAPIC_DFR_FLAT & DFR_MODEL_MASK))
		return (ldr & dest) != 0;
	/* Cluster (and the undefined models): cluster id in 7:4, member bitmap in 3:0. */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xF) != 0;
}
