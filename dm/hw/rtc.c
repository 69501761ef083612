/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MC146818 CMOS RTC at 0x70 (index) / 0x71 (data). The guest's time is the
 * host's UTC plus an offset in whole seconds; setting the time changes only
 * the offset, reports it as the "rtc_change" event (delta = guest - host)
 * and survives guest reboots, as do the NVRAM bytes.
 *
 * Registers A-D: divider and rate (A, with update-in-progress during the
 * last 244 us of every second), SET/DM/24h and interrupt enables (B), the
 * flags (C, read-to-clear, computed when read) and VRT (D). The flags are
 * polled: no interrupt is raised (the DSDT gives the RTC no IRQ).
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

#define RTC_SEC        0x00
#define RTC_SEC_ALARM  0x01
#define RTC_MIN        0x02
#define RTC_MIN_ALARM  0x03
#define RTC_HOUR       0x04
#define RTC_HOUR_ALARM 0x05
#define RTC_WDAY       0x06
#define RTC_MDAY       0x07
#define RTC_MONTH      0x08
#define RTC_YEAR       0x09
#define RTC_REG_A      0x0A
#define RTC_REG_B      0x0B
#define RTC_REG_C      0x0C
#define RTC_REG_D      0x0D
#define RTC_CENTURY    0x32 /* FADT CENTURY */
#define RTC_NVRAM_LEN  128

#define RTC_A_UIP      0x80
#define RTC_B_SET      0x80
#define RTC_B_PIE      0x40
#define RTC_B_AIE      0x20
#define RTC_B_UIE      0x10
#define RTC_B_SQWE     0x08
#define RTC_B_DM       0x04 /* binary, not BCD */
#define RTC_B_24H      0x02
#define RTC_C_IRQF     0x80
#define RTC_C_PF       0x40
#define RTC_C_AF       0x20
#define RTC_C_UF       0x10
#define RTC_D_VRT      0x80
#define RTC_UIP_US     244 /* update cycle length in microseconds (32.768 kHz divider) */

static struct rtc {
	GMutex lock;
	struct dm_vm *vm;
	uint8_t index;
	uint8_t ram[RTC_NVRAM_LEN]; /* registers A-D, alarms and NVRAM; time regs unused */
	int64_t offset;             /* guest time - host time, seconds */
	struct tm frozen;           /* the time while SET is on */
	bool frozen_dirty;          /* a time register was written while SET was on */
	int64_t last_flag_sec;      /* guest second when register C was last read */
} rtc;

static int64_t host_now_us(void)
{
	return g_get_real_time();
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

/* The guest set its clock to @tm: move the offset and tell the monitor. */
static void rtc_commit(struct tm *tm)
{
	struct tm copy = *tm;
	time_t t = timegm(&copy);
	JsonObject *o;

	if (t == (time_t)-1) {
		dm_warn("rtc: guest wrote an invalid date; clock unchanged");
		return;
	}
	rtc.offset = (int64_t)t - host_now_us() / G_USEC_PER_SEC;
	o = json_object_new();
	json_object_set_int_member(o, "delta", rtc.offset);
	dm_event_emit("rtc_change", o);
}

static uint8_t reg_c_read(void)
{
	int64_t now = guest_now();
	uint8_t b = rtc.ram[RTC_REG_B], c = 0;
	struct tm tm;

	if (now != rtc.last_flag_sec)
		c |= RTC_C_UF;
	guest_tm(&tm);
	/* Alarm bytes with the two top bits set match anything. */
	if ((rtc.ram[RTC_SEC_ALARM] >= 0xC0 ||
	     rtc.ram[RTC_SEC_ALARM] == time_reg_read(&tm, RTC_SEC)) &&
	    (rtc.ram[RTC_MIN_ALARM] >= 0xC0 ||
	     rtc.ram[RTC_MIN_ALARM] == time_reg_read(&tm, RTC_MIN)) &&
	    (rtc.ram[RTC_HOUR_ALARM] >= 0xC0 ||
	     rtc.ram[RTC_HOUR_ALARM] == time_reg_read(&tm, RTC_HOUR)))
		c |= RTC_C_AF;
	if ((rtc.ram[RTC_REG_A] & 0x0F) != 0)
		c |= RTC_C_PF; /* a periodic rate is set: at least one period passed */
	if ((c & RTC_C_UF && b & RTC_B_UIE) || (c & RTC_C_AF && b & RTC_B_AIE) ||
	    (c & RTC_C_PF && b & RTC_B_PIE))
		c |= RTC_C_IRQF;
	rtc.last_flag_sec = now;
	return c;
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
	ret = dm_io_register_pio(vm, &r);
	if (ret) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		            "cmos-rtc: cannot register ports 0x70-0x71: %s", g_strerror(-ret));
		return ret;
	}
	dm_vm_add_reset_hook(vm, rtc_reset, NULL);
	return 0;
}
