/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MC146818 CMOS RTC at 0x70 (index) / 0x71 (data). The guest's time is the
 * host's UTC plus an offset in whole seconds; setting the time changes only
 * the offset, reports it as the "rtc_change" event (delta = guest - host,
 * once the guest's writes have settled for RTC_CHANGE_SETTLE_MS) and
 * survives guest reboots, as do the NVRAM bytes.
 *
 * Registers A-D: divider and rate (A, with update-in-progress during the
 * last 244 us of every second), SET/DM/24h and interrupt enables (B), the
 * flags (C, read-to-clear) and VRT (D). Update-ended and alarm flags are
 * set at each second boundary and periodic ones at the rate in A, by
 * timers in the main loop; an enabled flag raises GSI 8 (ISA IRQ 8, edge,
 * active high) until the guest reads C. A guest that polls C without the
 * main loop's help still sees the flags: they are also worked out on read.
 */
#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "hw.h"

#define RTC_SEC              0x00
#define RTC_SEC_ALARM        0x01
#define RTC_MIN              0x02
#define RTC_MIN_ALARM        0x03
#define RTC_HOUR             0x04
#define RTC_HOUR_ALARM       0x05
#define RTC_WDAY             0x06
#define RTC_MDAY             0x07
#define RTC_MONTH            0x08
#define RTC_YEAR             0x09
#define RTC_REG_A            0x0A
#define RTC_REG_B            0x0B
#define RTC_REG_C            0x0C
#define RTC_REG_D            0x0D
#define RTC_CENTURY          0x32 /* FADT CENTURY */
#define RTC_NVRAM_LEN        128

#define RTC_A_UIP            0x80
#define RTC_B_SET            0x80
#define RTC_B_PIE            0x40
#define RTC_B_AIE            0x20
#define RTC_B_UIE            0x10
#define RTC_B_SQWE           0x08
#define RTC_B_DM             0x04 /* binary, not BCD */
#define RTC_B_24H            0x02
#define RTC_C_IRQF           0x80
#define RTC_C_PF             0x40
#define RTC_C_AF             0x20
#define RTC_C_UF             0x10
#define RTC_D_VRT            0x80
#define RTC_CHANGE_SETTLE_MS 100 /* rtc_change waits this long after the last time write */
#define RTC_UIP_US           244 /* update cycle length in microseconds (32.768 kHz divider) */

static struct rtc {
	GMutex lock;
	struct dm_vm *vm;
	uint8_t index;
	uint8_t ram[RTC_NVRAM_LEN]; /* registers A-D, alarms and NVRAM; time regs unused */
	int64_t offset;             /* guest time - host time, seconds */
	struct tm frozen;           /* the time while SET is on */
	bool frozen_dirty;          /* a time register was written while SET was on */
	int64_t last_flag_sec;      /* guest second when register C was last read */
	uint8_t flags;              /* register C flags set by the timers since the last read */
	bool irq;
	guint tick_src;      /* one-shot, re-armed for each second boundary */
	GSource *pie_src;    /* periodic interrupt timer while PIE is on */
	GSource *change_src; /* pending rtc_change event */
	unsigned pie_rate;   /* rate select of the running periodic timer */
} rtc;

gint64 (*hw_rtc_clock)(void) = g_get_real_time;

static int64_t host_now_us(void)
{
	return hw_rtc_clock();
}

static int64_t guest_now(void)
{
	return host_now_us() / G_USEC_PER_SEC + rtc.offset;
}

static void guest_tm(struct tm *tm)
{
	time_t t = (time_t)guest_now();

	gmtime_r(&t, tm);
}

static uint8_t to_reg(unsigned v)
{
	v %= 100;
	return (rtc.ram[RTC_REG_B] & RTC_B_DM) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned from_reg(uint8_t v)
{
	return (rtc.ram[RTC_REG_B] & RTC_B_DM) ? v : (unsigned)(v >> 4) * 10 + (v & 0x0F);
}

static uint8_t hour_to_reg(int h)
{
	if (rtc.ram[RTC_REG_B] & RTC_B_24H)
		return to_reg((unsigned)h);
	/* 12-hour mode: 12, 1..11 with bit 7 for PM. */
	return (uint8_t)(to_reg(h % 12 ? (unsigned)h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static int hour_from_reg(uint8_t v)
{
	if (rtc.ram[RTC_REG_B] & RTC_B_24H)
		return (int)from_reg(v);
	return (int)(from_reg(v & 0x7F) % 12) + ((v & 0x80) ? 12 : 0);
}

static uint8_t time_reg_read(const struct tm *tm, unsigned reg)
{
	switch (reg) {
	case RTC_SEC:
		return to_reg((unsigned)tm->tm_sec);
	case RTC_MIN:
		return to_reg((unsigned)tm->tm_min);
	case RTC_HOUR:
		return hour_to_reg(tm->tm_hour);
	case RTC_WDAY:
		return to_reg((unsigned)tm->tm_wday + 1); /* Sunday = 1 */
	case RTC_MDAY:
		return to_reg((unsigned)tm->tm_mday);
	case RTC_MONTH:
		return to_reg((unsigned)tm->tm_mon + 1);
	case RTC_YEAR:
		return to_reg((unsigned)(tm->tm_year + 1900) % 100);
	default: /* RTC_CENTURY */
		return to_reg((unsigned)(tm->tm_year + 1900) / 100);
	}
}

static void time_reg_write(struct tm *tm, unsigned reg, uint8_t v)
{
	int year = tm->tm_year + 1900;

	switch (reg) {
	case RTC_SEC:
		tm->tm_sec = (int)from_reg(v);
		break;
	case RTC_MIN:
		tm->tm_min = (int)from_reg(v);
		break;
	case RTC_HOUR:
		tm->tm_hour = hour_from_reg(v);
		break;
	case RTC_WDAY:
		break; /* derived from the date */
	case RTC_MDAY:
		tm->tm_mday = (int)from_reg(v);
		break;
	case RTC_MONTH:
		tm->tm_mon = (int)from_reg(v) - 1;
		break;
	case RTC_YEAR:
		tm->tm_year = year / 100 * 100 + (int)(from_reg(v) % 100) - 1900;
		break;
	default: /* RTC_CENTURY */
		tm->tm_year = (int)from_reg(v) * 100 + year % 100 - 1900;
		break;
	}
}

static bool is_time_reg(unsigned reg)
{
	return reg == RTC_SEC || reg == RTC_MIN || reg == RTC_HOUR ||
	       (reg >= RTC_WDAY && reg <= RTC_YEAR) || reg == RTC_CENTURY;
}

/* Report the offset once a burst of time writes has settled (main thread). */
static gboolean rtc_change_emit(gpointer data)
{
	JsonObject *o;
	int64_t delta;

	g_mutex_lock(&rtc.lock);
	if (rtc.change_src != data) {
		/* Superseded by a later write while we waited for the lock. */
		g_mutex_unlock(&rtc.lock);
		return G_SOURCE_REMOVE;
	}
	g_source_unref(rtc.change_src);
	rtc.change_src = NULL;
	delta = rtc.offset;
	g_mutex_unlock(&rtc.lock);
	o = json_object_new();
	json_object_set_int_member(o, "delta", delta);
	dm_event_emit("rtc_change", o);
	return G_SOURCE_REMOVE;
}

/* The guest set its clock to @tm: move the offset and, soon, tell the monitor. */
static void rtc_commit(struct tm *tm)
{
	struct tm copy = *tm;
	time_t t = timegm(&copy);

	if (t == (time_t)-1) {
		static unsigned warned;

		if (warned++ < 5)
			dm_warn("rtc: guest wrote a date out of range; clock unchanged");
		return;
	}
	rtc.offset = (int64_t)t - host_now_us() / G_USEC_PER_SEC;
	/*
	 * A guest that sets the time without SET writes one field at a time:
	 * each write restarts the wait, so the monitor hears only the result.
	 */
	if (rtc.change_src) {
		g_source_destroy(rtc.change_src);
		g_source_unref(rtc.change_src);
	}
	rtc.change_src = g_timeout_source_new(RTC_CHANGE_SETTLE_MS);
	g_source_set_callback(rtc.change_src, rtc_change_emit, rtc.change_src, NULL);
	g_source_attach(rtc.change_src, NULL);
}

static bool alarm_matches(const struct tm *tm)
{
	/* Alarm bytes with the two top bits set match anything. */
	static const uint8_t alarm[3] = { RTC_SEC_ALARM, RTC_MIN_ALARM, RTC_HOUR_ALARM };
	static const uint8_t field[3] = { RTC_SEC, RTC_MIN, RTC_HOUR };

	for (unsigned i = 0; i < 3; i++) {
		uint8_t a = rtc.ram[alarm[i]];

		if (a < 0xC0 && a != time_reg_read(tm, field[i]))
			return false;
	}
	return true;
}

static uint8_t with_irqf(uint8_t c)
{
	uint8_t b = rtc.ram[RTC_REG_B];

	if ((c & RTC_C_UF && b & RTC_B_UIE) || (c & RTC_C_AF && b & RTC_B_AIE) ||
	    (c & RTC_C_PF && b & RTC_B_PIE))
		c |= RTC_C_IRQF;
	return c;
}

/* The IRQ output follows IRQF of the timer-set flags; called with the lock held. */
static void rtc_irq_update(void)
{
	bool level = with_irqf(rtc.flags) & RTC_C_IRQF;

	if (level != rtc.irq) {
		rtc.irq = level;
		dm_vm_set_gsi(rtc.vm, HW_RTC_GSI, level);
	}
}

static uint8_t reg_c_read(void)
{
	int64_t now = guest_now();
	uint8_t c = rtc.flags;
	struct tm tm;

	if (now != rtc.last_flag_sec)
		c |= RTC_C_UF;
	guest_tm(&tm);
	if (alarm_matches(&tm))
		c |= RTC_C_AF;
	if ((rtc.ram[RTC_REG_A] & 0x0F) != 0 && !rtc.pie_src)
		c |= RTC_C_PF; /* a periodic rate is set: at least one period passed */
	rtc.last_flag_sec = now;
	rtc.flags = 0;
	rtc_irq_update();
	return with_irqf(c);
}

static gboolean rtc_tick(gpointer data);

static void rtc_arm_tick(void)
{
	int64_t us = G_USEC_PER_SEC - host_now_us() % G_USEC_PER_SEC;

	/* Just past the next second boundary, so the new second is visible. */
	rtc.tick_src = g_timeout_add((guint)(us / 1000 + 1), rtc_tick, NULL);
}

static gboolean rtc_tick(gpointer data)
{
	struct tm tm;

	(void)data;
	g_mutex_lock(&rtc.lock);
	if (!(rtc.ram[RTC_REG_B] & RTC_B_SET)) {
		rtc.flags |= RTC_C_UF;
		guest_tm(&tm);
		if (alarm_matches(&tm))
			rtc.flags |= RTC_C_AF;
		rtc_irq_update();
	}
	rtc_arm_tick();
	g_mutex_unlock(&rtc.lock);
	return G_SOURCE_REMOVE;
}

static gboolean rtc_periodic(gpointer data)
{
	(void)data;
	g_mutex_lock(&rtc.lock);
	rtc.flags |= RTC_C_PF;
	rtc_irq_update();
	g_mutex_unlock(&rtc.lock);
	return G_SOURCE_CONTINUE;
}

/* Start, stop or retune the periodic timer after A or B changed; lock held. */
static void rtc_periodic_update(void)
{
	unsigned rate = rtc.ram[RTC_REG_A] & 0x0F;
	uint64_t period_us;

	if (!(rtc.ram[RTC_REG_B] & RTC_B_PIE))
		rate = 0;
	if (rate == rtc.pie_rate && (rate == 0) == (rtc.pie_src == NULL))
		return;
	if (rtc.pie_src) {
		g_source_destroy(rtc.pie_src);
		g_source_unref(rtc.pie_src);
		rtc.pie_src = NULL;
	}
	rtc.pie_rate = rate;
	if (!rate)
		return;
	/* 32768 Hz >> (rate - 1); rates 1 and 2 behave as 8 and 9. Main-loop timers stop at 1 ms. */
	if (rate < 3)
		rate += 7;
	period_us = ((uint64_t)G_USEC_PER_SEC << (rate - 1)) / 32768;
	rtc.pie_src = g_timeout_source_new((guint)MAX(period_us / 1000, 1));
	g_source_set_callback(rtc.pie_src, rtc_periodic, NULL, NULL);
	g_source_attach(rtc.pie_src, NULL);
}

static uint8_t rtc_read(unsigned reg)
{
	struct tm tm;

	if (is_time_reg(reg)) {
		if (rtc.ram[RTC_REG_B] & RTC_B_SET)
			return time_reg_read(&rtc.frozen, reg);
		guest_tm(&tm);
		return time_reg_read(&tm, reg);
	}
	switch (reg) {
	case RTC_REG_A: {
		uint8_t a = rtc.ram[RTC_REG_A] & 0x7F;

		if (!(rtc.ram[RTC_REG_B] & RTC_B_SET) &&
		    host_now_us() % G_USEC_PER_SEC >= G_USEC_PER_SEC - RTC_UIP_US)
			a |= RTC_A_UIP;
		return a;
	}
	case RTC_REG_C:
		return reg_c_read();
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return rtc.ram[reg];
	}
}

static void rtc_write(unsigned reg, uint8_t v)
{
	struct tm tm;

	if (is_time_reg(reg)) {
		if (rtc.ram[RTC_REG_B] & RTC_B_SET) {
			time_reg_write(&rtc.frozen, reg, v);
			rtc.frozen_dirty = true;
		} else {
			guest_tm(&tm);
			time_reg_write(&tm, reg, v);
			rtc_commit(&tm);
		}
		return;
	}
	switch (reg) {
	case RTC_REG_A:
		rtc.ram[RTC_REG_A] = v & 0x7F;
		rtc_periodic_update();
		break;
	case RTC_REG_B:
		if ((v & RTC_B_SET) && !(rtc.ram[RTC_REG_B] & RTC_B_SET)) {
			/* SET stops the clock the guest sees until it is cleared. */
			guest_tm(&rtc.frozen);
			rtc.frozen_dirty = false;
		} else if (!(v & RTC_B_SET) && (rtc.ram[RTC_REG_B] & RTC_B_SET) &&
		           rtc.frozen_dirty) {
			rtc.ram[RTC_REG_B] = v;
			rtc_commit(&rtc.frozen);
			rtc.frozen_dirty = false;
		}
		rtc.ram[RTC_REG_B] = v;
		rtc_periodic_update();
		rtc_irq_update();
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		rtc.ram[reg] = v;
		break;
	}
}

static int rtc_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                  uint64_t *val)
{
	uint64_t out = 0;

	(void)vm;
	(void)opaque;
	if (offset + size > 2)
		return -EINVAL;
	g_mutex_lock(&rtc.lock);
	/* A word access at 0x70 is an index access then a data access. */
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(*val >> (8 * i));

		if (offset + i == 0) {
			if (write)
				rtc.index = b & 0x7F; /* bit 7 masks NMIs on PCs: no NMI here */
			else
				out |= (uint64_t)rtc.index << (8 * i);
		} else if (write) {
			rtc_write(rtc.index, b);
		} else {
			out |= (uint64_t)rtc_read(rtc.index) << (8 * i);
		}
	}
	g_mutex_unlock(&rtc.lock);
	if (!write)
		*val = out;
	return 0;
}

static void rtc_reset(struct dm_vm *vm, void *opaque)
{
	(void)vm;
	(void)opaque;
	/* A reset clears the interrupt enables; time, offset and NVRAM stay. */
	g_mutex_lock(&rtc.lock);
	rtc.ram[RTC_REG_B] &= (uint8_t) ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
	rtc.index = 0;
	rtc.flags = 0;
	rtc_periodic_update();
	rtc_irq_update();
	g_mutex_unlock(&rtc.lock);
}

static void rtc_teardown(struct dm_vm *vm, void *opaque)
{
	(void)vm;
	(void)opaque;
	/* A change not yet reported is reported now, before acrn-dm goes. */
	g_mutex_lock(&rtc.lock);
	if (rtc.change_src) {
		GSource *pending = rtc.change_src;

		g_source_destroy(pending);
		g_mutex_unlock(&rtc.lock);
		rtc_change_emit(pending);
		g_mutex_lock(&rtc.lock);
	}
	if (rtc.tick_src)
		g_source_remove(rtc.tick_src);
	rtc.tick_src = 0;
	rtc.ram[RTC_REG_B] &= (uint8_t)~RTC_B_PIE;
	rtc_periodic_update();
	g_mutex_unlock(&rtc.lock);
}

int hw_rtc_init(struct dm_vm *vm, GError **error)
{
	struct dm_io_range r = {
		.name = "cmos-rtc",
		.base = HW_RTC_PORT,
		.len = 2,
		.fn = rtc_io,
	};
	int ret;

	g_mutex_init(&rtc.lock);
	memset(rtc.ram, 0, sizeof(rtc.ram));
	rtc.vm = vm;
	rtc.index = 0;
	rtc.offset = 0;
	rtc.ram[RTC_REG_A] = 0x26; /* 32.768 kHz divider, 1024 Hz periodic rate */
	rtc.ram[RTC_REG_B] = RTC_B_24H;
	rtc.last_flag_sec = guest_now();
	rtc.flags = 0;
	rtc.irq = false;
	rtc.pie_src = NULL;
	rtc.pie_rate = 0;
	rtc.change_src = NULL;
	ret = dm_io_register_pio(vm, &r);
	if (ret) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		            "cmos-rtc: cannot register ports 0x70-0x71: %s", g_strerror(-ret));
		return ret;
	}
	dm_vm_add_reset_hook(vm, rtc_reset, NULL);
	dm_vm_add_teardown_hook(vm, rtc_teardown, NULL);
	rtc_arm_tick();
	return 0;
}
