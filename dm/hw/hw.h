/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The x86 platform's fixed resources and the pieces of dm/hw that talk to
 * each other (private to dm/hw). docs/x86-vm-platform.md, section
 * "Post-launched VMs", is the guest's view of these numbers.
 */
#ifndef DM_HW_HW_H
#define DM_HW_HW_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct dm_vm;

#define HW_NR_COMS   2
#define HW_COM1_PORT 0x3F8
#define HW_COM1_GSI  4
#define HW_COM2_PORT 0x2F8
#define HW_COM2_GSI  3

#define HW_RTC_PORT  0x70 /* index; data at 0x71 */
#define HW_RTC_GSI   8    /* ISA IRQ 8, edge, active high */

/* ACPI PM1a blocks: status/enable (4 bytes) and control (2 bytes). */
#define HW_PM1A_EVT_PORT 0x600
#define HW_PM1A_EVT_LEN  4
#define HW_PM1A_CNT_PORT 0x604
#define HW_PM1A_CNT_LEN  2
#define HW_SCI_GSI       9 /* level, active high (MADT interrupt source override) */
#define HW_SLP_TYP_S3    1 /* \_S3_ and \_S5_ in the DSDT */
#define HW_SLP_TYP_S5    5

#define HW_RESET_PORT    0xCF9
#define HW_RESET_VALUE   0x06 /* FADT RESET_VALUE: hard reset | do reset */

/* PM1 status/enable and control bits (ACPI 6.5, 4.8.3). */
#define HW_PM1_TMR        0x0001
#define HW_PM1_GBL        0x0020
#define HW_PM1_PWRBTN     0x0100
#define HW_PM1_SLPBTN     0x0200
#define HW_PM1_RTC        0x0400
#define HW_PM1_WAK        0x8000
#define HW_PM1_SCI_EN     0x0001
#define HW_PM1_SLP_TYP(v) (((v) >> 10) & 7)
#define HW_PM1_SLP_EN     0x2000

/* uart_platform.c: the COM ports configured with -l, for the DSDT. */
bool hw_com_present(unsigned idx);
uint16_t hw_com_port(unsigned idx);
unsigned hw_com_gsi(unsigned idx);
int hw_uart_init(struct dm_vm *vm, GError **error);

/* rtc.c and pm.c: register the devices' ports and reset hooks. */
int hw_rtc_init(struct dm_vm *vm, GError **error);
/* The host clock the RTC reads (UTC, microseconds): g_get_real_time; tests replace it. */
extern gint64 (*hw_rtc_clock)(void);
int hw_pm_init(struct dm_vm *vm, GError **error);

#endif
