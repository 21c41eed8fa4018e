/**
 * The subset of FHIR R4 (4.0.1) that a transcription emits, typed so the builder cannot
 * produce an element R4 does not have. Field names and cardinalities follow the R4
 * specification; anything Wardline does not emit is left out rather than typed loosely.
 */
export interface FhirCoding {
  system: string;
  code: string;
  display?: string;
}

export interface FhirCodeableConcept {
  coding?: FhirCoding[];
  text?: string;
}

export interface FhirIdentifier {
  use?: 'usual' | 'official' | 'temp' | 'secondary' | 'old';
  type?: FhirCodeableConcept;
  system?: string;
  value: string;
}

/** A logical reference: by business identifier, since Wardline holds no FHIR server ids. */
export interface FhirReference {
  type?: string;
  identifier?: FhirIdentifier;
  display?: string;
}

export interface FhirMeta {
  tag?: FhirCoding[];
}

export interface FhirAnnotation {
  authorString?: string;
  /** dateTime */
  time?: string;
  /** markdown, required by R4 */
  text: string;
}

export interface FhirCommunication {
  resourceType: 'Communication';
  meta?: FhirMeta;
  identifier?: FhirIdentifier[];
  status: 'preparation' | 'in-progress' | 'not-done' | 'on-hold' | 'stopped' | 'completed' | 'entered-in-error' | 'unknown';
  medium?: FhirCodeableConcept[];
  subject?: FhirReference;
  /** dateTime */
  sent?: string;
  recipient?: FhirReference[];
  sender?: FhirReference;
  payload?: { contentString: string }[];
  note?: FhirAnnotation[];
}

export interface FhirBundle<R> {
  resourceType: 'Bundle';
  meta?: FhirMeta;
  identifier?: FhirIdentifier;
  type: 'document' | 'message' | 'transaction' | 'transaction-response' | 'batch' | 'batch-response' | 'history' | 'searchset' | 'collection';
  /** instant */
  timestamp?: string;
  entry?: { fullUrl?: string; resource: R }[];
}
