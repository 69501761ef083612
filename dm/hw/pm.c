/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI fixed hardware: the PM1a event block (status, enable) and control
 * block, the SCI, the fixed-feature power button, sleep states S3 and S5,
 * and the reset register 0xCF9. There is no PM timer and no GPE block.
 *
 * Register accesses come from the ioreq thread, the power button from the
 * main thread; one mutex covers the state.
 */
#include <errno.h>
#include <gio/gio.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "hw.h"

#define PM1_STS_BITS \
	(HW_PM1_TMR | HW_PM1_GBL | HW_PM1_PWRBTN | HW_PM1_SLPBTN | HW_PM1_RTC | HW_PM1_WAK)
#define PM1_EN_BITS (HW_PM1_TMR | HW_PM1_GBL | HW_PM1_PWRBTN | HW_PM1_SLPBTN | HW_PM1_RTC)
/* SLP_TYP, and SCI_EN which always reads 1: ACPI mode is permanent (no SMI_CMD). */
#define PM1_CNT_KEPT (7u << 10)

static struct pm {
	GMutex lock;
	struct dm_vm *vm;
	uint16_t sts, en, cnt;
	uint8_t reset_reg;
	bool sci;
} pm;

/* Drive the SCI from status & enable; called with the lock held. */
static void pm_sci_update(void)
{
	bool level = (pm.sts & pm.en & PM1_EN_BITS) != 0;

	if (level != pm.sci) {
		pm.sci = level;
		dm_vm_set_gsi(pm.vm, HW_SCI_GSI, level);
	}
}

static uint64_t width_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static int pm_evt_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                     uint64_t *val)
{
	uint32_t mask, v;

	(void)vm;
	(void)opaque;
	if (offset + size > HW_PM1A_EVT_LEN)
		return -EINVAL;
	mask = (uint32_t)(width_mask(size) << (8 * offset));
	g_mutex_lock(&pm.lock);
	if (!write) {
		v = (uint32_t)pm.en << 16 | pm.sts;
		*val = (v & mask) >> (8 * offset);
	} else {
		v = (uint32_t)(*val << (8 * offset)) & mask;
		/* Status bits are write-one-to-clear; enable bits plain. */
		pm.sts &= (uint16_t) ~(v & PM1_STS_BITS);
		if (mask >> 16)
			pm.en = (uint16_t)((pm.en & ~(mask >> 16)) | ((v >> 16) & PM1_EN_BITS));
		pm_sci_update();
	}
	g_mutex_unlock(&pm.lock);
	return 0;
}

static void pm_sleep(unsigned typ)
{
	switch (typ) {
	case HW_SLP_TYP_S5:
		dm_info("guest entered ACPI S5: power off");
		dm_vm_request_power(pm.vm, DM_POWER_OFF);
		break;
	case HW_SLP_TYP_S3:
		/* Whatever wakes the VM finds WAK_STS set, as the OS expects on resume. */
		pm.sts |= HW_PM1_WAK;
		dm_info("guest entered ACPI S3: suspend");
		dm_vm_request_power(pm.vm, DM_POWER_SUSPEND);
		break;
	default: {
		static unsigned warned;

		/* A guest can repeat this at will: say it a few times only. */
		if (warned < 5) {
			warned++;
			dm_warn("guest asked for sleep type %u, which the DSDT does not offer; "
			        "ignored",
			        typ);
		}
		break;
	}
	}
}

static int pm_cnt_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                     uint64_t *val)
{
	uint32_t mask, v;

	(void)vm;
	(void)opaque;
	if (offset + size > HW_PM1A_CNT_LEN)
		return -EINVAL;
	mask = (uint32_t)(width_mask(size) << (8 * offset)) & 0xFFFF;
	g_mutex_lock(&pm.lock);
	if (!write) {
		*val = (uint32_t)(pm.cnt & mask) >> (8 * offset);
	} else {
		v = (uint32_t)(*val << (8 * offset)) & mask;
		pm.cnt = (uint16_t)(((pm.cnt & ~mask) | (v & PM1_CNT_KEPT)) | HW_PM1_SCI_EN);
		if (v & HW_PM1_SLP_EN)
			pm_sleep(HW_PM1_SLP_TYP(pm.cnt));
	}
	g_mutex_unlock(&pm.lock);
	return 0;
}

static int pm_reset_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                       uint64_t *val)
{
	bool reset = false;

	(void)vm;
	(void)opaque;
	if (offset != 0 || size != 1)
		return -EINVAL;
	g_mutex_lock(&pm.lock);
	if (!write) {
		*val = pm.reset_reg;
	} else {
		/* Bit 1 picks a hard or soft reset, bit 2 does it: both reset a VM. */
		pm.reset_reg = (uint8_t)(*val & 0x0A);
		reset = *val & 0x04;
	}
	g_mutex_unlock(&pm.lock);
	if (reset) {
		dm_info("guest wrote 0x%02x to port 0xcf9: reset", (unsigned)*val);
		dm_vm_request_power(vm, DM_POWER_RESET);
	}
	return 0;
}

static void pm_reset(struct dm_vm *vm, void *opaque)
{
	(void)vm;
	(void)opaque;
	g_mutex_lock(&pm.lock);
	pm.sts = 0;
	pm.en = 0;
	pm.cnt = HW_PM1_SCI_EN;
	pm.reset_reg = 0;
	pm_sci_update();
	g_mutex_unlock(&pm.lock);
}

int dm_vm_power_button(struct dm_vm *vm)
{
	if (!pm.vm || pm.vm != vm)
		return -ENODEV;
	/* Latched: a guest that enables the button later still sees the press. */
	g_mutex_lock(&pm.lock);
	pm.sts |= HW_PM1_PWRBTN;
	if (!(pm.en & HW_PM1_PWRBTN))
		dm_info("power button pressed; the guest has not enabled it yet");
	pm_sci_update();
	g_mutex_unlock(&pm.lock);
	return 0;
}

int hw_pm_init(struct dm_vm *vm, GError **error)
{
	static const struct {
		const char *name;
		uint16_t port, len;
		dm_io_fn fn;
	} ranges[] = {
		{ "acpi-pm1a-evt", HW_PM1A_EVT_PORT, HW_PM1A_EVT_LEN, pm_evt_io },
		{ "acpi-pm1a-cnt", HW_PM1A_CNT_PORT, HW_PM1A_CNT_LEN, pm_cnt_io },
		{ "reset-cf9", HW_RESET_PORT, 1, pm_reset_io },
	};

	g_mutex_init(&pm.lock);
	pm.vm = vm;
	pm.sci = false;
	pm_reset(vm, NULL);
	for (unsigned i = 0; i < G_N_ELEMENTS(ranges); i++) {
		struct dm_io_range r = {
			.name = ranges[i].name,
			.base = ranges[i].port,
			.len = ranges[i].len,
			.fn = ranges[i].fn,
		};
		int ret = dm_io_register_pio(vm, &r);

		if (ret) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
			            "%s: cannot register ports 0x%x-0x%x: %s", r.name,
			            ranges[i].port, ranges[i].port + ranges[i].len - 1,
			            g_strerror(-ret));
			return ret;
		}
	}
	dm_vm_add_reset_hook(vm, pm_reset, NULL);
	return 0;
}
