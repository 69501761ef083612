/* SPDX-License-Identifier: BSD-3-Clause */
/* The host's local APIC (xAPIC MMIO; QEMU's emulated CPU has no x2APIC). */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include <hv/types.h>

#define VECTOR_LEGACY_PIC 0xE0 /* the 8259s are remapped here and masked */
#define VECTOR_TIMER      0xF0
#define VECTOR_KICK       0xF1
#define VECTOR_SHUTDOWN   0xF2
#define VECTOR_BRIDGE     0xF8 /* the board bridge's doorbell (COM2, hv/arch/x86/bridge_uart.c) */
#define VECTOR_SPURIOUS   0xFF

/* Remap and mask the legacy 8259 PICs: all our interrupts come through the LAPIC. */
void legacy_pic_disable(void);
void lapic_init(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_init_sipi(uint32_t apic_id, uint8_t page);
/* VECTOR_BRIDGE's handler. */
void x86_bridge_irq(void);
/* Calibrates the TSC against the PIT; sets tsc_khz. */
void tsc_calibrate(void);

#endif
