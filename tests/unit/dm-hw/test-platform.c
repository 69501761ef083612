/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The platform devices through their I/O ports, as the ioreq thread sees
 * them: ACPI PM1 (S5, S3, power button and SCI), the 0xCF9 reset register,
 * the CMOS RTC (time, modes, SET, UIP, NVRAM, rtc_change, update, alarm and
 * periodic interrupts through the main loop's timers), the COM ports
 * and -l parsing, and the host and ISA bridge emulations.
 */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <time.h>

#include <dm/monitor.h>
#include <dm/pci.h>
#include <dm/platform.h>

#include "../../../dm/hw/hw.h"
#include "doubles.h"

#define PM1_STS 0x600
#define PM1_EN  0x602
#define PM1_CNT 0x604

static void setup(unsigned ncpus)
{
	GError *err = NULL;

	dbl_reset(ncpus);
	g_assert_cmpint(dm_platform_init(&dbl_vm, &err), ==, 0);
	g_assert_no_error(err);
}

static void teardown(void)
{
	dbl_run_teardown_hooks();
}

static uint64_t in(uint16_t port, unsigned size)
{
	uint64_t v = ~0ULL;

	g_assert_cmpint(dbl_pio(port, false, size, &v), ==, 0);
	return v;
}

static void out(uint16_t port, unsigned size, uint64_t v)
{
	g_assert_cmpint(dbl_pio(port, true, size, &v), ==, 0);
}

static void test_ports_registered(void)
{
	setup(2);
	g_assert_true(dbl_pio_registered(0x3F8, 8));  /* COM1 always */
	g_assert_false(dbl_pio_registered(0x2F8, 8)); /* COM2 only with -l */
	g_assert_true(dbl_pio_registered(0x70, 2));
	g_assert_true(dbl_pio_registered(0x600, 4));
	g_assert_true(dbl_pio_registered(0x604, 2));
	g_assert_true(dbl_pio_registered(0xCF9, 1));
	/* 0xCF8 and 0xCFC stay free for the PCI bus core. */
	g_assert_cmpint(dbl_pio(0xCF8, false, 4, &(uint64_t){ 0 }), ==, -ENOENT);
	teardown();
}

static void test_pm_s5_and_s3(void)
{
	setup(1);
	/* SCI_EN reads 1: the platform is always in ACPI mode. */
	g_assert_cmpuint(in(PM1_CNT, 2), ==, 0x0001);
	/* SLP_TYP without SLP_EN does nothing. */
	out(PM1_CNT, 2, 5 << 10);
	g_assert_cmpuint(dbl_power_requests, ==, 0);
	g_assert_cmpuint(in(PM1_CNT, 2), ==, (5 << 10) | 1);
	/* S5: SLP_TYP 5 | SLP_EN. */
	out(PM1_CNT, 2, (5 << 10) | 0x2000);
	g_assert_cmpuint(dbl_power_requests, ==, 1);
	g_assert_cmpint(dbl_power, ==, DM_POWER_OFF);
	/* SLP_EN is write-only. */
	g_assert_cmpuint(in(PM1_CNT, 2) & 0x2000, ==, 0);

	/* S3, written as two bytes the way some OSes do: the high byte carries SLP_EN. */
	out(PM1_CNT, 1, 0x00);
	out(PM1_CNT + 1, 1, ((1 << 10) | 0x2000) >> 8);
	g_assert_cmpuint(dbl_power_requests, ==, 2);
	g_assert_cmpint(dbl_power, ==, DM_POWER_SUSPEND);
	/* The OS finds WAK_STS on resume and clears it by writing 1. */
	g_assert_cmpuint(in(PM1_STS, 2) & 0x8000, ==, 0x8000);
	out(PM1_STS, 2, 0x8000);
	g_assert_cmpuint(in(PM1_STS, 2), ==, 0);

	/* A sleep type the DSDT does not offer is ignored. */
	out(PM1_CNT, 2, (2 << 10) | 0x2000);
	g_assert_cmpuint(dbl_power_requests, ==, 2);
	/* Out-of-block accesses are refused. */
	g_assert_cmpint(dbl_pio(PM1_CNT + 1, true, 2, &(uint64_t){ 0 }), ==, -ENOENT);
	teardown();
}

static void test_power_button(void)
{
	setup(1);
	g_assert_false(dbl_gsi_level[9]);
	/* Pressed before the OS enabled it: latched, no SCI yet. */
	g_assert_cmpint(dm_vm_power_button(&dbl_vm), ==, 0);
	g_assert_cmpuint(in(PM1_STS, 2) & 0x0100, ==, 0x0100);
	g_assert_false(dbl_gsi_level[9]);
	/* Enabling it raises the SCI (level, GSI 9) for the latched press. */
	out(PM1_EN, 2, 0x0100);
	g_assert_cmpuint(in(PM1_EN, 2), ==, 0x0100);
	g_assert_true(dbl_gsi_level[9]);
	/* The same through a 32-bit read of the whole event block. */
	g_assert_cmpuint(in(PM1_STS, 4), ==, 0x01000100);
	/* Writing 0 changes nothing (write-one-to-clear), writing 1 clears. */
	out(PM1_STS, 2, 0);
	g_assert_true(dbl_gsi_level[9]);
	out(PM1_STS, 2, 0x0100);
	g_assert_false(dbl_gsi_level[9]);
	g_assert_cmpuint(in(PM1_STS, 2), ==, 0);
	/* A second press with the button enabled: SCI at once. */
	g_assert_cmpint(dm_vm_power_button(&dbl_vm), ==, 0);
	g_assert_true(dbl_gsi_level[9]);
	g_assert_cmpuint(dbl_gsi_rises[9], ==, 2);
	/* A guest reset clears status and enables and drops the SCI. */
	dbl_run_reset_hooks();
	g_assert_false(dbl_gsi_level[9]);
	g_assert_cmpuint(in(PM1_STS, 4), ==, 0);
	/* Another VM's power button is not ours. */
	{
		struct dm_vm other = { .ncpus = 1 };

		g_assert_cmpint(dm_vm_power_button(&other), ==, -ENODEV);
	}
	teardown();
}

static void test_reset_register(void)
{
	setup(1);
	/* Linux's CF9 sequence: hard-reset bit first, then hard | reset. */
	out(0xCF9, 1, 0x02);
	g_assert_cmpuint(dbl_power_requests, ==, 0);
	g_assert_cmpuint(in(0xCF9, 1), ==, 0x02);
	out(0xCF9, 1, 0x06);
	g_assert_cmpuint(dbl_power_requests, ==, 1);
	g_assert_cmpint(dbl_power, ==, DM_POWER_RESET);
	/* The reset bit itself does not read back. */
	g_assert_cmpuint(in(0xCF9, 1) & 0x04, ==, 0);
	/* A full reset (0x0E) resets too. */
	out(0xCF9, 1, 0x0E);
	g_assert_cmpuint(dbl_power_requests, ==, 2);
	/* Only byte accesses are the reset register. */
	g_assert_cmpint(dbl_pio(0xCF9, true, 2, &(uint64_t){ 6 }), ==, -ENOENT);
	g_assert_cmpuint(dbl_power_requests, ==, 2);
	teardown();
}

/* ---- RTC ---- */

static uint8_t cmos(uint8_t idx)
{
	out(0x70, 1, idx);
	return (uint8_t)in(0x71, 1);
}

static void cmos_set(uint8_t idx, uint8_t v)
{
	out(0x70, 1, idx);
	out(0x71, 1, v);
}

static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xF);
}

static uint8_t to_bcd(unsigned v)
{
	return (uint8_t)((v / 10) << 4 | v % 10);
}

/* Guest time from the CMOS registers (BCD, 24h), read under SET so it is consistent. */
static time_t cmos_time(void)
{
	struct tm tm = { 0 };
	uint8_t b = cmos(0x0B);

	cmos_set(0x0B, b | 0x80);
	tm.tm_sec = (int)bcd(cmos(0));
	tm.tm_min = (int)bcd(cmos(2));
	tm.tm_hour = (int)bcd(cmos(4));
	tm.tm_mday = (int)bcd(cmos(7));
	tm.tm_mon = (int)bcd(cmos(8)) - 1;
	tm.tm_year = (int)(bcd(cmos(0x32)) * 100 + bcd(cmos(9))) - 1900;
	cmos_set(0x0B, b);
	return timegm(&tm);
}

static void test_rtc_reads_host_utc(void)
{
	time_t host, guest;
	struct tm tm;

	setup(1);
	g_assert_cmpuint(cmos(0x0A), ==, 0x26);
	g_assert_cmpuint(cmos(0x0B), ==, 0x02); /* 24 h, BCD */
	g_assert_cmpuint(cmos(0x0D), ==, 0x80); /* valid RAM and time */
	host = time(NULL);
	guest = cmos_time();
	g_assert_cmpint(guest - host, >=, 0);
	g_assert_cmpint(guest - host, <=, 1);
	/* Day of week: Sunday = 1. */
	gmtime_r(&guest, &tm);
	g_assert_cmpuint(bcd(cmos(6)), ==, (unsigned)tm.tm_wday + 1);
	/* The century register is where the FADT says. */
	g_assert_cmpuint(bcd(cmos(0x32)), ==, (unsigned)(tm.tm_year + 1900) / 100);
	teardown();
}

static void test_rtc_modes(void)
{
	struct tm tm;
	time_t now;
	uint8_t h;

	setup(1);
	/* Binary mode. */
	cmos_set(0x0B, 0x02 | 0x04);
	now = time(NULL);
	gmtime_r(&now, &tm);
	g_assert_cmpuint(cmos(9), ==, (unsigned)(tm.tm_year + 1900) % 100);
	g_assert_cmpuint(cmos(8), ==, (unsigned)tm.tm_mon + 1);
	/* 12-hour BCD mode: bit 7 is PM, hours 1..12. */
	cmos_set(0x0B, 0x80);     /* SET, 12 h, BCD */
	cmos_set(4, 0x80 | 0x12); /* 12 PM = 12:00 */
	h = cmos(4);
	g_assert_cmpuint(h, ==, 0x92);
	cmos_set(4, 0x12); /* 12 AM = 00:00 */
	g_assert_cmpuint(cmos(4), ==, 0x12);
	cmos_set(0x0B, 0x82); /* SET, 24 h */
	g_assert_cmpuint(cmos(4), ==, 0x00);
	cmos_set(4, 0x23);
	g_assert_cmpuint(cmos(4), ==, 0x23);
	cmos_set(0x0B, 0x82 | 0x04); /* binary */
	g_assert_cmpuint(cmos(4), ==, 23);
	cmos_set(0x0B, 0x02);
	teardown();
}

/* Run the main loop until @n events have been emitted in all, or a second passed. */
static void wait_events(unsigned n)
{
	gint64 end = g_get_monotonic_time() + G_USEC_PER_SEC;

	while (dbl_events < n && g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(1000);
	}
}

static void test_rtc_set_time_emits_delta(void)
{
	time_t host, guest;

	setup(1);
	/* What Linux's mc146818_set_time does: SET, write the fields, clear SET. */
	cmos_set(0x0B, 0x82);
	cmos_set(0, to_bcd(30));
	cmos_set(2, to_bcd(15));
	cmos_set(4, to_bcd(10));
	cmos_set(7, to_bcd(1));
	cmos_set(8, to_bcd(6));
	cmos_set(9, to_bcd(30));
	cmos_set(0x32, to_bcd(20));
	/* Nothing happens while SET is on; the frozen registers read back. */
	wait_events(1);
	g_assert_cmpuint(dbl_events, ==, 0);
	g_assert_cmpuint(cmos(0), ==, 0x30);
	g_assert_cmpuint(cmos(9), ==, 0x30);
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0); /* no update in progress under SET */
	host = time(NULL);
	cmos_set(0x0B, 0x02);
	/* The clock moved at once; the event follows once the writes settle. */
	guest = cmos_time();
	g_assert_cmpint(guest, >=, 1906539330);
	g_assert_cmpint(guest, <=, 1906539332);
	g_assert_cmpuint(dbl_events, ==, 0);
	wait_events(1);
	/* 2030-06-01 10:15:30 UTC. */
	g_assert_cmpuint(dbl_events, ==, 1);
	g_assert_cmpstr(dbl_event, ==, "rtc_change");
	g_assert_cmpint(dbl_event_delta, >=, (int64_t)1906539330 - host - 1);
	g_assert_cmpint(dbl_event_delta, <=, (int64_t)1906539330 - host + 1);

	/* Clearing SET again without writes emits nothing. */
	cmos_set(0x0B, 0x82);
	cmos_set(0x0B, 0x02);
	wait_events(2);
	g_assert_cmpuint(dbl_events, ==, 1);

	/* Fields written without SET move the clock at once; one event for the burst. */
	cmos_set(8, to_bcd(7));
	cmos_set(9, to_bcd(31));
	wait_events(3);
	g_assert_cmpuint(dbl_events, ==, 2);
	g_assert_cmpint(dbl_event_delta, >=, (int64_t)1906539330 + 395 * 86400 - host - 2);
	g_assert_cmpint(dbl_event_delta, <=, (int64_t)1906539330 + 395 * 86400 - host + 3);

	/* The offset and NVRAM survive a guest reboot; interrupt enables do not. */
	cmos_set(0x40, 0xA5);
	cmos_set(0x0B, 0x02 | 0x10);
	dbl_run_reset_hooks();
	g_assert_cmpuint(cmos(0x40), ==, 0xA5);
	g_assert_cmpuint(cmos(0x0B), ==, 0x02);
	guest = cmos_time();
	g_assert_cmpint(guest, >=, 1906539330 + 395 * 86400 - 1);
	g_assert_cmpint(guest, <=, 1906539330 + 395 * 86400 + 3);

	/* Setting it back to the host's time gives a delta of about 0... */
	{
		struct tm tm;
		time_t now = time(NULL);

		gmtime_r(&now, &tm);
		cmos_set(0x0B, 0x82);
		cmos_set(0, to_bcd((unsigned)tm.tm_sec));
		cmos_set(2, to_bcd((unsigned)tm.tm_min));
		cmos_set(4, to_bcd((unsigned)tm.tm_hour));
		cmos_set(7, to_bcd((unsigned)tm.tm_mday));
		cmos_set(8, to_bcd((unsigned)tm.tm_mon + 1));
		cmos_set(9, to_bcd((unsigned)tm.tm_year % 100));
		cmos_set(0x0B, 0x02);
	}
	/* ...reported at teardown, before acrn-dm exits, if the main loop never ran. */
	g_assert_cmpuint(dbl_events, ==, 2);
	teardown();
	g_assert_cmpuint(dbl_events, ==, 3);
	g_assert_cmpint(dbl_event_delta, >=, -1);
	g_assert_cmpint(dbl_event_delta, <=, 1);
	/* Nothing is left behind to fire later. */
	wait_events(4);
	g_assert_cmpuint(dbl_events, ==, 3);
}

static gint64 fake_now;

static gint64 fake_clock(void)
{
	return fake_now;
}

static void test_rtc_uip_and_flags(void)
{
	const gint64 t0 = (gint64)1906539330 * G_USEC_PER_SEC; /* 2030-06-01 10:15:30 */
	uint8_t c;

	hw_rtc_clock = fake_clock;
	fake_now = t0;
	setup(1);
	/* The update-in-progress bit is set for the last 244 us of each second only. */
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0);
	fake_now = t0 + G_USEC_PER_SEC - 245;
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0);
	fake_now = t0 + G_USEC_PER_SEC - 244;
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0x80);
	fake_now = t0 + G_USEC_PER_SEC - 1;
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0x80);
	g_assert_cmpuint(bcd(cmos(0)), ==, 30);
	fake_now = t0 + G_USEC_PER_SEC;
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0);
	g_assert_cmpuint(bcd(cmos(0)), ==, 31);
	/* Under SET there is no update cycle. */
	fake_now = t0 + 2 * G_USEC_PER_SEC - 100;
	cmos_set(0x0B, 0x82);
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0);
	cmos_set(0x0B, 0x02);
	g_assert_cmpuint(cmos(0x0A) & 0x80, ==, 0x80);
	/* Register A's UIP is read-only; the rest is the guest's. */
	fake_now = t0;
	cmos_set(0x0A, 0xA6);
	g_assert_cmpuint(cmos(0x0A), ==, 0x26);

	/* Register C: the update flag appears once a second has passed, read clears it. */
	cmos_set(0x0A, 0x20); /* no periodic rate */
	cmos(0x0C);
	fake_now = t0 + 999999;
	g_assert_cmpuint(cmos(0x0C), ==, 0);
	fake_now = t0 + G_USEC_PER_SEC;
	c = cmos(0x0C);
	g_assert_cmpuint(c, ==, 0x10); /* UF, and no IRQF: UIE is off */
	g_assert_cmpuint(cmos(0x0C), ==, 0);
	cmos_set(0x0B, 0x02 | 0x10);
	fake_now += G_USEC_PER_SEC;
	g_assert_cmpuint(cmos(0x0C), ==, 0x90);
	/* Alarm at 10:15:33 (BCD), checked when C is read. */
	cmos_set(0x01, 0x33);
	cmos_set(0x03, 0x15);
	cmos_set(0x05, 0x10);
	cmos_set(0x0B, 0x02 | 0x20);
	g_assert_cmpuint(cmos(0x0C), ==, 0);
	fake_now = t0 + 3 * G_USEC_PER_SEC;
	g_assert_cmpuint(cmos(0x0C), ==, 0xB0); /* UF, AF, IRQF from AIE */
	/* The periodic flag while a rate is set (polled: PIE off, no timer). */
	cmos_set(0x0A, 0x26);
	g_assert_cmpuint(cmos(0x0C) & 0x40, ==, 0x40);
	cmos_set(0x0B, 0x02);
	hw_rtc_clock = g_get_real_time;
	/* Registers C and D ignore writes. */
	cmos_set(0x0D, 0);
	g_assert_cmpuint(cmos(0x0D), ==, 0x80);
	/* The index port reads back; bit 7 (NMI mask) is dropped. */
	out(0x70, 1, 0x8E);
	g_assert_cmpuint(in(0x70, 1), ==, 0x0E);
	teardown();
}

/* Run the main loop (the RTC's timers) until GSI @gsi rises or @ms pass. */
static bool pump_until_rise(unsigned gsi, unsigned ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	unsigned rises = dbl_gsi_rises[gsi];

	while (g_get_monotonic_time() < end && dbl_gsi_rises[gsi] == rises) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(1000);
	}
	return dbl_gsi_rises[gsi] != rises;
}

static void test_rtc_interrupts(void)
{
	uint8_t c;

	setup(1);
	/* Nothing enabled: no interrupt however long we wait. */
	g_assert_false(pump_until_rise(8, 1200));
	/* Update-ended interrupt: GSI 8 rises at the next second, C read lowers it. */
	cmos(0x0C);
	cmos_set(0x0B, 0x02 | 0x10);
	g_assert_true(pump_until_rise(8, 2500));
	g_assert_true(dbl_gsi_level[8]);
	c = cmos(0x0C);
	g_assert_cmpuint(c & 0x90, ==, 0x90);
	g_assert_false(dbl_gsi_level[8]);
	/* While SET holds the clock there are no updates. */
	cmos_set(0x0B, 0x80 | 0x02 | 0x10);
	g_assert_false(pump_until_rise(8, 1500));
	cmos_set(0x0B, 0x02);
	cmos(0x0C);

	/* Alarm interrupt, alarm bytes all "don't care": every second. */
	cmos_set(0x01, 0xC0);
	cmos_set(0x03, 0xC0);
	cmos_set(0x05, 0xC0);
	cmos_set(0x0B, 0x02 | 0x20);
	g_assert_true(pump_until_rise(8, 2500));
	g_assert_cmpuint(cmos(0x0C) & 0xA0, ==, 0xA0);
	/* An alarm for a time that is not now does not fire. */
	cmos_set(0x05,
	         (uint8_t)((bcd(cmos(4)) + 12) % 24 / 10 << 4 | (bcd(cmos(4)) + 12) % 24 % 10));
	cmos(0x0C);
	g_assert_false(pump_until_rise(8, 1500));
	cmos_set(0x0B, 0x02);

	/* Periodic interrupt at rate 15 (2 Hz). */
	cmos_set(0x0A, 0x2F);
	cmos_set(0x0B, 0x02 | 0x40);
	g_assert_true(pump_until_rise(8, 1500));
	g_assert_cmpuint(cmos(0x0C) & 0xC0, ==, 0xC0);
	g_assert_true(pump_until_rise(8, 1500));
	cmos(0x0C);
	/* A guest reset turns it off. */
	dbl_run_reset_hooks();
	g_assert_false(dbl_gsi_level[8]);
	g_assert_false(pump_until_rise(8, 1200));
	teardown();
}

/* ---- COM ports ---- */

static void test_com_ports(void)
{
	GError *err = NULL;

	dbl_reset(1);
	g_assert_cmpint(dm_uart_add_from_arg(&dbl_vm, "com3,stdio", &err), ==, -EINVAL);
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(err->message, "com3,stdio"));
	g_clear_error(&err);
	g_assert_cmpint(dm_uart_add_from_arg(&dbl_vm, "com2", &err), ==, -EINVAL);
	g_clear_error(&err);
	g_assert_cmpint(dm_uart_add_from_arg(&dbl_vm, "com2,tty", &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err->message, "'tty'"));
	g_clear_error(&err);
	g_assert_cmpint(dm_uart_add_from_arg(&dbl_vm, "com2,pty", &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(dm_uart_add_from_arg(&dbl_vm, "COM2,pty", &err), ==, -EEXIST);
	g_clear_error(&err);
	g_assert_cmpint(dm_platform_init(&dbl_vm, &err), ==, 0);
	g_assert_true(dbl_pio_registered(0x3F8, 8));
	g_assert_true(dbl_pio_registered(0x2F8, 8));

	/* The monitor's query: COM1 without a backend, COM2 on its new pty. */
	{
		g_autoptr(JsonArray) a = dm_serial_query(&dbl_vm);
		JsonObject *c1, *c2;

		g_assert_cmpuint(json_array_get_length(a), ==, 2);
		c1 = json_array_get_object_element(a, 0);
		c2 = json_array_get_object_element(a, 1);
		g_assert_cmpstr(json_object_get_string_member(c1, "port"), ==, "com1");
		g_assert_cmpstr(json_object_get_string_member(c1, "backend"), ==, "none");
		g_assert_false(json_object_has_member(c1, "path"));
		g_assert_cmpstr(json_object_get_string_member(c2, "port"), ==, "com2");
		g_assert_cmpstr(json_object_get_string_member(c2, "backend"), ==, "pty");
		g_assert_true(
		        g_str_has_prefix(json_object_get_string_member(c2, "path"), "/dev/pts/"));
		g_assert_true(
		        g_file_test(json_object_get_string_member(c2, "path"), G_FILE_TEST_EXISTS));
	}

	/* COM2 raises GSI 3 once the driver enables its THRE interrupt and OUT2. */
	out(0x2F8 + 4, 1, 0x08);
	out(0x2F8 + 1, 1, 0x02);
	g_assert_true(dbl_gsi_level[3]);
	g_assert_false(dbl_gsi_level[4]);
	g_assert_cmpuint(in(0x2F8 + 2, 1), ==, 0x02);
	g_assert_false(dbl_gsi_level[3]);
	/* COM1 without a backend still works as a register file; output is dropped. */
	out(0x3F8 + 7, 1, 0x42);
	g_assert_cmpuint(in(0x3F8 + 7, 1), ==, 0x42);
	out(0x3F8, 1, 'x');
	out(0x3F8 + 4, 1, 0x08);
	out(0x3F8 + 1, 1, 0x02);
	g_assert_true(dbl_gsi_level[4]);
	/* Only byte accesses. */
	g_assert_cmpint(dbl_pio(0x3F8, false, 2, &(uint64_t){ 0 }), ==, -EINVAL);
	/* A guest reset puts the registers back. */
	dbl_run_reset_hooks();
	g_assert_false(dbl_gsi_level[4]);
	g_assert_cmpuint(in(0x3F8 + 1, 1), ==, 0);
	teardown();
}

/* ---- bridges ---- */

static void test_bridges(void)
{
	const struct pci_dev_ops *hb = dbl_pci_emulation("hostbridge");
	const struct pci_dev_ops *lpc = dbl_pci_emulation("lpc");
	struct pci_dev *d;
	GError *err = NULL;

	dbl_reset(1);
	g_assert_nonnull(hb);
	g_assert_nonnull(lpc);
	d = dbl_pci_add(0, 0, 0, 0);
	g_assert_cmpint(hb->init(d, NULL, &err), ==, 0);
	g_assert_cmpuint(pci_get16(d, 0), ==, 0x8086);
	g_assert_cmpuint(pci_get16(d, 2), ==, 0x1237);
	g_assert_cmpuint(pci_get16(d, 0x0A), ==, 0x0600); /* host bridge */
	d = dbl_pci_add(31, 0, 0, 0);
	g_assert_cmpint(lpc->init(d, "", &err), ==, 0);
	g_assert_cmpuint(pci_get16(d, 2), ==, 0x7000);
	g_assert_cmpuint(pci_get16(d, 0x0A), ==, 0x0601); /* ISA bridge */
	g_assert_cmpuint(pci_get8(d, 0x3D), ==, 0);       /* no interrupt */
	g_assert_cmpint(lpc->init(d, "bogus", &err), ==, -EINVAL);
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(err->message, "'bogus'"));
	g_clear_error(&err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dm-hw/platform/ports", test_ports_registered);
	g_test_add_func("/dm-hw/pm/s5-s3", test_pm_s5_and_s3);
	g_test_add_func("/dm-hw/pm/power-button", test_power_button);
	g_test_add_func("/dm-hw/pm/reset-cf9", test_reset_register);
	g_test_add_func("/dm-hw/rtc/host-utc", test_rtc_reads_host_utc);
	g_test_add_func("/dm-hw/rtc/modes", test_rtc_modes);
	g_test_add_func("/dm-hw/rtc/set-time-delta", test_rtc_set_time_emits_delta);
	g_test_add_func("/dm-hw/rtc/uip-flags", test_rtc_uip_and_flags);
	g_test_add_func("/dm-hw/rtc/interrupts", test_rtc_interrupts);
	g_test_add_func("/dm-hw/uart/com-ports", test_com_ports);
	g_test_add_func("/dm-hw/pci/bridges", test_bridges);
	return g_test_run();
}
