/// Chat templates: a Jinja-subset interpreter that renders like transformers.
public enum MoEChatTemplates {}
