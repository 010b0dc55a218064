/** What users type: the command model, its parser, and the rules for names and text. */
package io.chorus.protocol.command;
