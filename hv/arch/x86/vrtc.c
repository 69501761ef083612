/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A read-mostly MC146818 CMOS RTC for VMs (ports 0x70/0x71). Time comes from
 * the board's RTC, read once at boot, advanced by the TSC. Guest writes to
 * the time registers shift that VM's clock (an offset), as an OS setting
 * the hardware clock expects; the board's RTC is never written.
 */
#include <arch/cpu.h>
#include <arch/vrtc.h>
#include <hv/errno.h>
#include <hv/timer.h>
#include <hv/vm.h>

#define RTC_SEC      0x00
#define RTC_MIN      0x02
#define RTC_HOUR     0x04
#define RTC_WDAY     0x06
#define RTC_MDAY     0x07
#define RTC_MON      0x08
#define RTC_YEAR     0x09
#define RTC_A        0x0A
#define RTC_B        0x0B
#define RTC_C        0x0C
#define RTC_D        0x0D
#define RTC_CENTURY  0x32

#define RTC_B_24H    BIT(1)
#define RTC_B_BINARY BIT(2)

static int64_t boot_epoch; /* seconds since 1970 at boot_tsc */
static uint64_t boot_tsc;

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned from_bcd(uint8_t v)
{
	return (v & 0xF) + (v >> 4) * 10;
}

static uint8_t to_bcd(unsigned v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void vrtc_init_board_time(void)
{
	unsigned sec, min, hour, mday, mon, year;
	uint8_t b;

	for (unsigned i = 0; i < 100000 && (cmos_read(RTC_A) & 0x80); i++)
		cpu_relax();
	sec = cmos_read(RTC_SEC);
	min = cmos_read(RTC_MIN);
	hour = cmos_read(RTC_HOUR);
	mday = cmos_read(RTC_MDAY);
	mon = cmos_read(RTC_MON);
	year = cmos_read(RTC_YEAR);
	b = cmos_read(RTC_B);
	if (!(b & RTC_B_BINARY)) {
		sec = from_bcd(sec);
		min = from_bcd(min);
		hour = from_bcd(hour & 0x7F) | (hour & 0x80);
		mday = from_bcd(mday);
		mon = from_bcd(mon);
		year = from_bcd(year);
	}
	if (!(b & RTC_B_24H) && (hour & 0x80))
		hour = (hour & 0x7F) % 12 + 12;
	if (mon < 1 || mon > 12 || mday < 1 || mday > 31) {
		mon = 1;
		mday = 1;
	}
	boot_tsc = timer_now();
	boot_epoch = days_from_civil(2000 + year, mon, mday) * 86400 + hour * 3600 + min * 60 + sec;
}

static int64_t vm_now(const struct vrtc *r)
{
	return boot_epoch + (int64_t)((timer_now() - boot_tsc) / (tsc_khz * 1000)) + r->offset;
}

static uint8_t encode(const struct vrtc *r, unsigned v)
{
	return (r->reg_b & RTC_B_BINARY) ? (uint8_t)v : to_bcd(v);
}

static uint8_t read_reg(struct vrtc *r, uint8_t reg)
{
	int64_t t = vm_now(r), days = t / 86400, y;
	unsigned secs = (unsigned)(t % 86400), m, d, hour;

	civil_from_days(days, &y, &m, &d);
	hour = secs / 3600;
	switch (reg) {
	case RTC_SEC:
		return encode(r, secs % 60);
	case RTC_MIN:
		return encode(r, secs / 60 % 60);
	case RTC_HOUR:
		if (r->reg_b & RTC_B_24H)
			return encode(r, hour);
		return (uint8_t)(encode(r, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? 0x80 : 0));
	case RTC_WDAY:
		return encode(r, (unsigned)((days + 4) % 7) + 1);
	case RTC_MDAY:
		return encode(r, d);
	case RTC_MON:
		return encode(r, m);
	case RTC_YEAR:
		return encode(r, (unsigned)(y % 100));
	case RTC_CENTURY:
		return encode(r, (unsigned)(y / 100));
	case RTC_A:
		return 0x26; /* 32.768 kHz time base, 1024 Hz rate; never update-in-progress */
	case RTC_B:
		return r->reg_b;
	case RTC_C:
		return 0;
	case RTC_D:
		return 0x80; /* valid RAM and time */
	default:
		return reg < sizeof(r->ram) ? r->ram[reg] : 0xFF;
	}
}

static unsigned decode(const struct vrtc *r, uint8_t v)
{
	return (r->reg_b & RTC_B_BINARY) ? v : from_bcd(v);
}

static void write_reg(struct vrtc *r, uint8_t reg, uint8_t val)
{
	int64_t t = vm_now(r), days = t / 86400, y;
	unsigned secs = (unsigned)(t % 86400), m, d;
	unsigned hour = secs / 3600, min = secs / 60 % 60, sec = secs % 60;

	civil_from_days(days, &y, &m, &d);
	switch (reg) {
	case RTC_SEC:
		sec = decode(r, val) % 60;
		break;
	case RTC_MIN:
		min = decode(r, val) % 60;
		break;
	case RTC_HOUR:
		hour = decode(r, val & 0x7F) % 24;
		break;
	case RTC_MDAY:
		d = decode(r, val);
		break;
	case RTC_MON:
		m = decode(r, val);
		break;
	case RTC_YEAR:
		y = y / 100 * 100 + decode(r, val) % 100;
		break;
	case RTC_B:
		r->reg_b = val & (RTC_B_24H | RTC_B_BINARY);
		return;
	default:
		if (reg >= 0x0E && reg < sizeof(r->ram))
			r->ram[reg] = val;
		return;
	}
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return; /* a half-written date: keep the clock as it is */
	r->offset += days_from_civil(y, m, d) * 86400 + hour * 3600 + min * 60 + sec - t;
}

static int vrtc_read(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t *val)
{
	struct vrtc *r = opaque;

	(void)v;
	if (width != 1)
		return -EINVAL;
	*val = off == 0 ? r->index : read_reg(r, r->index);
	return 0;
}

static int vrtc_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t val)
{
	struct vrtc *r = opaque;

	(void)v;
	if (width != 1)
		return -EINVAL;
	if (off == 0)
		r->index = (uint8_t)(val & 0x7F); /* bit 7 is the NMI mask */
	else
		write_reg(r, r->index, (uint8_t)val);
	return 0;
}

int vrtc_init(struct vrtc *r, struct io_bus *pio)
{
	struct io_handler h = {
		.base = 0x70, .size = 2, .read = vrtc_read, .write = vrtc_write, .opaque = r
	};

	*r = (struct vrtc){ .reg_b = RTC_B_24H };
	return io_bus_register(pio, &h);
}
