/** What users receive: the event model and its text and JSON line encodings. */
package io.chorus.protocol.event;
