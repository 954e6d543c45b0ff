/**
 * ISO 4217 minor-unit exponents of the currencies that do not have two decimals. Written out rather
 * than taken from ICU alone: ICU gives the digits people use in practice (IQD 0), and money from
 * processors is in the standard's minor unit. Any other valid code has two.
 */
export const NON_TWO_DECIMAL: Readonly<Record<string, number>> = {
  // zero decimals
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // three decimals
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  // four decimals
  CLF: 4,
  UYW: 4,
};
