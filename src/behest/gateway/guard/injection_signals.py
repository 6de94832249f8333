# ruff: noqa: E501  (long regular expressions)
"""The signal families of the injection scorer, as data: name, weight, gate words, pattern.

Patterns run over the lowered text with typographic apostrophes made plain, so they carry
no IGNORECASE. A signal's pattern never scans the whole text: ``fires`` looks up where its
anchor substrings occur (``literals.Occurrences``, one pass over the text for every anchor
of every signal) and matches only in a window around each one, so every match of a pattern
must contain one of its anchors and fit in ``REACH`` characters. That keeps the scorer well
under a millisecond on long prompts. Weights are log-odds: positive
for attack phrasing, negative for the phrasing of ordinary requests; ``injection.py`` adds
them up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from behest.gateway.guard.literals import Occurrences

_D = re.DOTALL
_PRIOR = r"(?:previous|prior|above|earlier|preceding|initial|original|old|out of date|all|any|the|your|these|those|system|every|other|my)"
_RULES = r"(?:instructions?|prompts?|rules?|directives?|directions?|guidelines?|commands?|programming|orders|training|restrictions|constraints|policies|policy)"
_CHAT = r"(?:(?:all|any|every)\s+(?:of\s+)?(?:the\s+|my\s+|your\s+|our\s+)?(?:previous|prior|above|earlier|preceding|past|other)\s+(?:conversations?|messages|text|ideas|context|input))"
_AI = r"(?:chat-?gpt|gpt-?\d?|openai|an ai\b|ai (?:model|language model|assistant|system)|language model|llm|chatbot|bard|claude|gemini|assistant)"
_LIMITS = r"(?:restrictions?|limitations?|limits|filters?|filtering|censorship|censors?|guidelines|rules|boundaries|constraints|morals?|morality|ethics|principles|policies|regulations|safeguards|guardrails)"


REACH = 90
# anchors for patterns whose every match starts with one of a few words and then another:
# the pair, not a common word alone ("order", "two"), so ordinary prose opens few windows
_NEW_THING = tuple(
    f"{adjective} {noun}"
    for adjective in (
        "new",
        "updated",
        "real",
        "actual",
        "true",
        "secret",
        "hidden",
        "revised",
        "changed",
    )
    for noun in ("instruction", "rule", "task", "directive", "order")
)
_TWO_THINGS = tuple(
    f"{two} {what}"
    for two in ("two", "2")
    for what in ("different", "separate", "distinct", "responses", "answers", "ways", "styles",
                 "personas", "personalities", "modes", "paragraphs", "outputs")
)  # fmt: skip
_MAX_ANCHORS = 8  # windows tried per anchor: a bound on the work for pathological texts


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    weight: float
    anchors: tuple[str, ...]
    pattern: re.Pattern[str]

    def fires(self, text: str, found: Occurrences) -> bool:
        """Whether the pattern matches in a window around some occurrence of an anchor
        (``found``: the anchors' occurrences in ``text``)."""
        if found.present.isdisjoint(self.anchors):
            return False
        search = self.pattern.search
        for anchor in self.anchors:
            at = found.find(anchor)
            tries = 0
            while at >= 0 and tries < _MAX_ANCHORS:
                if search(text, max(0, at - REACH), at + len(anchor) + 2 * REACH):
                    return True
                at = found.find(anchor, at + REACH)
                tries += 1
        return False


def _signal(name: str, weight: float, anchors: str | tuple[str, ...], pattern: str) -> Signal:
    """``anchors`` as ``"a|b|c"``, or a tuple when an anchor holds a ``|``."""
    found = tuple(anchors.split("|")) if isinstance(anchors, str) else anchors
    assert all(found), name
    return Signal(name, weight, found, re.compile(pattern, _D | re.MULTILINE))


SIGNALS: tuple[Signal, ...] = (
    # direct override of what the model was told before
    _signal(
        "override_instructions",
        4.0,
        "ignor|disregard|forget|overrid|bypass|skip|abandon|discard|set aside|no longer follow|stop follow|neglect",
        rf"\b(?:ignore|ignoring|disregard|forget|override|bypass|skip|abandon|discard|neglect|set aside|(?:stop|no longer) follow(?:ing)?)\b"
        rf"[^.!?\n]{{0,40}}?\b(?:(?:{_PRIOR}\s+)?(?:\w+\s+)?{_RULES}\b|{_CHAT})",
    ),
    _signal(
        "override_instructions_translated",
        3.0,
        "ignor|olvid|oubli|vergiss|dimentica|esque",
        r"\b(?:ignora|ignorez|ignoriere|ignorieren|olvida|oublie[sz]?|vergiss|dimentica|esqueça|esquece)\b[^.!?\n]{0,30}?"
        r"\b(?:instrucciones|instruções|anweisungen|istruzioni|reglas|regras|règles|regeln|regole|consignes)\b",
    ),
    _signal(
        "no_limits_translated",
        2.0,
        "sin |sem |sans |ohne |senza |no hay |não há|não tem|keine ",
        r"\b(?:sin|sem|sans|ohne|senza|no hay|não há|não tem|keine|nessuna|aucune)\s+(?:\w+\s+)?"
        r"(?:restricciones|restrições|restrictions|einschränkungen|restrizioni|l[ií]mites|limites|limiti|grenzen|filtros|filtres|filter|filtri|censura|censure|zensur|moral|morale|ética|éthique|ethik|etica)\b",
    ),
    _signal(
        "you_are_now",
        1.0,
        "you are now|you're now|from now, you|you will now be|you are no",
        r"\b(?:you are now|you're now|from now,? you|you will now be)\b",
    ),
    _signal(
        "new_instructions",
        2.0,
        _NEW_THING,
        r"\b(?:new|updated|real|actual|true|secret|hidden|revised|changed) (?:instructions?|rules?|task|directives?|orders?|programming)\b\s*(?:[:\-]|are|is)",
    ),
    _signal(
        "identity_reset",
        2.5,
        "no longer|anymore|memory|reset|forget|erase|wipe|not bound",
        rf"\b(?:you(?:'re| are|r)? no longer|you are not {_AI} anymore|not (?:an? )?{_AI} anymore|your memory (?:is|has been|was) (?:erased|wiped|reset|cleared)"
        rf"|forget (?:everything (?:you|that|about)|who you are|that you are|your (?:\w+ )?(?:instructions|rules|programming|training|guidelines|identity|past))|(?:reset|wipe|erase) your (?:memory|instructions|programming)"
        rf"|(?:you are|you're) (?:not|no longer) bound by)",
    ),
    # exfiltration of the system prompt or hidden instructions
    _signal(
        "reveal_prompt",
        3.0,
        "instruction|prompt|rules|directive|guideline|text above|logic|condition|pre-prompt",
        r"(?:\b(?:repeat|reveal|print|show|output|display|tell me|write (?:out|down)?|translate|summari[sz]e|leak|dump|spell|list|return|explain|convert|format|recite|disclose|share|copy|paste)\b"
        r"[^.!?\n]{0,40}?\b(?:your|previous|above|prior|initial|original|system|all|hidden|secret|these|those|earlier|full|exact|entire)"
        r"|\bwhat (?:are|were|is) (?:your|the (?:system|hidden|initial|original|secret|exact|previous|above)))\s+(?:\w+\s+)?"
        r"(?:instructions?|system prompt|prompt|rules|directives|guidelines|pre-prompt|text above|conditional reactions|logic|configuration)\b",
    ),
    _signal(
        "prompt_reference",
        2.0,
        "instruction|prompt|above|so far|given|you received|before this",
        r"\b(?:instructions?|prompt|rules|text|logic|everything) (?:so far|above|given (?:to you|above)|(?:\w+ ){0,3}you (?:were|have been) (?:given|told|informed)|you received|before this)\b"
        r"|\bmy (?:instructions|rules|system prompt|prompt) (?:are|were|say)\b"
        r"|\b(?:system|initial|original|hidden|pre-?)prompt\b",
    ),
    # persona jailbreaks
    _signal(
        "jailbreak_persona",
        2.0,
        "dan|anything now|jailbr|developer mode|dev mode|god mode|unfilter|uncensor|unrestrict|amoral|immoral|unethical|unbound|unchain|unlock|unleash|evil",
        r"\b(?:dan|do anything now|jailbr(?:eak|oken)\w*|developer mode|dev mode|god mode|unfiltered|uncensored|unrestricted|amoral|immoral|unethical|unbound|unchained|unlocked|unleashed|evil (?:ai|bot|assistant|twin|confidant|version))\b",
    ),
    _signal(
        "no_limits",
        2.0,
        "restriction|limitation|limits|filter|censor|guidelines|rules|boundaries|constraints|moral|ethic|principles|policies|regulations|safeguards|guardrails|protocol|polic|bound by|restricted by|limited by|constrained by",
        rf"\b(?:free (?:of|from) (?:all |any )?(?:\w+ )?{_LIMITS}|not (?:bound|restricted|limited|constrained) by|without (?:any )?(?:\w+ )?{_LIMITS}|no (?:moral|ethical|\w+ )?{_LIMITS}"
        rf"|(?:zero|none of the|beyond) (?:\w+ )?{_LIMITS}|exception to [^.]{{0,30}}(?:ethic|rule|polic|protocol|guideline)|outside (?:of )?(?:its|your|the) (?:\w+ )?{_LIMITS}"
        rf"|(?:doesn't|does not|don't|do not|won't|will not|never|not) (?:have to )?(?:follow|care about|abide by|adhere to|obey|have|play by|respect|need to follow) (?:any |the |its |your |openai'?s? )?(?:\w+ )?{_LIMITS})",
    ),
    _signal(
        "unsafe_content_permission",
        1.0,
        "illegal|harmful|explicit|lewd|nsfw|offensive|profan|cuss|swear|vulgar|unethical|dangerous|malware",
        r"\b(?:is allowed|are allowed|is permitted|are permitted|condones?|anything|will (?:generate|write|produce|provide|use)|can (?:generate|write|produce|say|provide|use))\b[^.!?\n]{0,30}\b(?:illegal|harmful|explicit|lewd|nsfw|offensive|profan\w*|cuss\w*|swear\w*|vulgar|unethical|dangerous|malware|malicious)\b",
    ),
    _signal(
        "always_comply",
        2.0,
        "refuse|decline|deny|say no|reject|answer any|answer every|answer all|respond to|reply to|fulfil|comply|do any|do every|do all|no matter|regardless|apolog|warning|disclaimer|warn|sorry|can't|cannot|unable",
        # one leading \b for the branches that have it: a failed position costs one check
        r"\b(?:(?:never|cannot|can't|won't|will not|must not|don't|do not|doesn't|does not|not allowed to|not able to)\s+(?:ever\s+)?(?:refuse|decline|deny|denies|say no|reject)"
        r"|(?:answer|respond to|reply to|fulfil+|comply with|do) (?:any|every|all)(?: of)? (?:my |the |user'?s? )?(?:questions?|requests?|prompts?|commands?|tasks?)"
        r"|(?:no matter what|regardless of (?:\w+ )?(?:legality|ethics|morality|whether it|the consequences|content))"
        r"|(?:don't|do not|never|without) (?:ever )?(?:apologi[sz]e|add(?:ing)? (?:any )?(?:warnings?|disclaimers?)|include (?:any )?(?:warnings?|disclaimers?)|warn(?:ing)? (?:me|the user|about))\b"
        r"|i'?m sorry,? but\b)"
        r"|(?:never|don't|do not|not) (?:say|tell|respond with|reply with) (?:that )?(?:you|it) (?:can't|cannot|are unable|is unable)",
    ),
    _signal(
        "dual_response",
        2.0,
        (*_TWO_THINGS, "normal", "classic", "standard", "gpt)", "gpt]", "🔒", "🔓"),
        r"\b(?:(?:two|2) (?:different |separate |distinct )?(?:responses|answers|ways|styles|personas|personalities|modes|paragraphs|outputs)\b"
        r"|(?:normal|classic|standard) (?:response|output|mode)\b)"
        r"|\((?:normal|classic|standard|gpt|chatgpt)\)|\[(?:normal|classic|standard|gpt|chatgpt)\]|🔒|🔓",
    ),
    _signal(
        "stay_in_character",
        1.5,
        "character|persona|role",
        r"\b(?:stay in character|break(?:ing)? character|remain in character|out of character|stay(?:ing)? in (?:the )?(?:role|persona))\b",
    ),
    _signal(
        "ai_persona_assignment",
        1.5,
        "you are|you're|act as|acting as|pretend|roleplay|role-play|role of|persona|become|simulate|immerse",
        rf"\b(?:you (?:are|will be|will act as|will now be) (?:now |going to )?(?:be |act as |become |play |simulate |pretend (?:to be )?)?|act(?:ing)? as|pretend(?:ing)? to be|immerse yourself into|take on the (?:role|persona) of|become|simulate)\s+(?:an? |the )?(?:new |fictional |hypothetical |modified |different )?"
        rf"(?:\w+gpt\b|ai\b|{_AI}|bot\b|version of (?:yourself|chatgpt|an ai))",
    ),
    _signal(
        "named_gpt_persona", 1.0, "gpt", r"\b(?!chatgpt\b)[a-z0-9]+gpt\b|\bgpt[- ]?[a-z]{3,}\b"
    ),
    _signal(
        "addressed_to_chatbot",
        0.8,
        "chatgpt|openai|language model|ai model",
        r"\b(?:hello|hi|hey|dear|ok|okay|listen)?,? ?(?:chatgpt|openai)\b|\b(?:ai|language) model\b",
    ),
    _signal(
        "from_now_on",
        1.0,
        "from now|from this point|onward|rest of",
        r"\b(?:from now on|from this (?:point|moment)(?: on| onwards?| forward)?|for the rest of (?:this|our|the) (?:conversation|chat|session))\b",
    ),
    _signal(
        "template_variable",
        1.0,
        "{{|[target|[prompt|prompt here|[insert|$term|%",
        r"\{\{\s*(?:user|char|prompt|input)\s*\}\}|\[(?:targetlanguage|prompt|insert [^\]]{0,30}|your prompt here)\]|your prompt here|\$term\d|%[a-z_]+%",
    ),
    # delimiters and fake conversation structure
    _signal(
        "role_markers",
        2.5,
        (
            "<|",
            "[inst]",
            "[/inst]",
            "system:",
            "assistant:",
            "system :",
            "assistant :",
            "##",
            "%%%",
            "end of",
            "end the",
            "end user",
            "end untrusted",
            "end system",
            "end input",
            "end prompt",
            "end instructions",
            "begin system",
            "begin admin",
            "begin new",
            " mode",
        ),
        r"\b(?:end (?:of )?(?:the )?(?:untrusted )?(?:user |system )?(?:input|prompt|instructions)\b|(?:testing|debug|admin|maintenance|sudo|root|god) mode (?:is )?(?:on|enabled|active|activated)\b)"
        r"|<\|(?:im_start|im_end|endoftext|system|assistant|user)\|>|\[/?inst\]|^\s*(?:system|assistant)\s*:|#{2,}\s*(?:system|instruction|new)|%%%|begin (?:system|admin|new)",
    ),
    _signal(
        "reply_prefix",
        1.5,
        "begin|start|prefix|end your|end each|end every|end it|preface|with the word|with the phrase|with word|with phrase|with only|your only|sole",
        r"\b(?:begin|start|prefix|end|preface)\s+(?:your\s+|each\s+|every\s+)?(?:reply|response|answer|output|message)s?\s+with\b"
        r"|\b(?:start|begin|prefix) (?:it |them )?with [\"'\[]|\b(?:respond|reply|answer|say) (?:only )?with (?:only )?(?:the )?(?:words?|phrase) [\"']|\byour (?:sole|only) (?:response|reply|answer|output) (?:is|will be|should be)",
    ),
    _signal(
        "access_granted",
        3.0,
        "grant|access|denied|authori",
        r"\b(?:access\W{0,3}grant|grant (?:me |us )?access\b|grants? access\b|authori[sz]ation (?:successful|granted)"
        r"|(?:correct|right|valid|secret) (?:password|passcode|access code|passphrase|pass phrase)\b|access code (?:missing|accepted|correct|verified))"
        r"|\"?denied\"? (?:with|to|by) \"?gr",
    ),
    _signal(
        "password_probe",
        1.0,
        "password|passcode|access code|passphrase|secret",
        r"\b(?:the|your|secret|correct) (?:password|passcode|access code|passphrase|secret key)\b|\bwhat is the secret\b",
    ),
    # output manipulation and obfuscation
    _signal(
        "encoding_trick",
        1.5,
        "base|rot13|revers|backward|leet|morse|hex|cipher|pig latin|binary|unicode|encode",
        r"\b(?:base\s?(?:16|32|58|64|85)|rot-?13|leetspeak|l33t|morse code|caesar cipher|pig latin|hexadecimal|in binary)\b"
        r"|\b(?:write|reply|respond|answer|spell|output)\w* (?:\w+ ){0,3}(?:in reverse|backwards?|in reverse order)\b|\bencode\w* (?:your|the) (?:message|answer|reply|response|output)",
    ),
    _signal(
        "split_letters",
        2.0,
        ('","', '", "', "','", "', '", '" "', "' '", '"+"', '" + "'),
        r"(?:[\"']\w[\"'] ?[,+]? ?){5,}",
    ),
    _signal(
        "invisible_chars",
        1.0,
        "\u200b|\u200c|\u200d|\u2060|\ufeff|&#x200b",
        r"(?:[\u200b\u200c\u200d\u2060\ufeff]|&#x200b;)",
    ),
    # instructions aimed at the model's output, typical of indirect injection
    _signal(
        "output_directive",
        1.0,
        "your answer|your reply|your response|your output|your message|in your",
        r"\b(?:in|to|into|modify|enhance|change|end|include in|alter|format|translate|encode|update|append to|prepend to) your (?:answer|reply|response|output|message|summary)\b"
        r"|\byour (?:answer|reply|response|output) (?:must be in|in (?:reverse|french|spanish|german|base))\b",
    ),
    _signal(
        "embedded_request",
        1.5,
        "advantageous|beneficial|the following|when answering|when responding|while answering|before answering|before responding|remember to|make sure to|be sure to|don't forget to|validate the inclusion",
        r"\b(?:(?:it (?:may|might|would) be|it's|it is) (?:advantageous|beneficial|wise) to"
        r"|(?:utili[sz]e|incorporate|feature|include|insert|add|validate the inclusion of) the following (?:code|snippet|link|text|url|line)"
        r"|(?:when|while) (?:answering|responding|summari[sz]ing)|before (?:answering|responding)"
        r"|(?:remember|make sure|be sure|don't forget) to (?:include|mention|add|recommend|tell|insert|validate|run|execute|use|import))",
    ),
    _signal(
        "exfiltration",
        2.0,
        "requests.|curl|wget|base64|eval(|rm -rf|subprocess|os.system|win32_|disable()|keylog|reverse shell|pexpect|socket|import os|ssh |nc -",
        r"requests\.(?:post|get)\(|\bcurl\s+-|\bwget\s+http|base64\s*-d|\beval\(|rm\s+-rf|subprocess\.|os\.system|win32_|\.disable\(\)|keylogger|reverse shell|pexpect\.|socket\.socket|\bssh -[lrd]\b|\bnc -[el]",
    ),
    # counter-signals: the phrasing of ordinary requests
    _signal(
        "first_request",
        -1.5,
        "my first",
        r"\bmy first (?:request|sentence|command|question|suggestion|task|prompt|word|line|statement)\b",
    ),
    _signal(
        "role_request",
        -2.0,
        "you to act|you to play|you to take on",
        r"\bi (?:want|would like|need) you to (?:act (?:as|like)|play the (?:role|part) of|take on the (?:role|persona) of)\b",
    ),
    _signal(
        "asks_for_ethics",
        -1.0,
        "ethic|respect|responsib|appropriate|legal",
        r"\b(?:ensure|make sure|keep|remain|stay|adhere|respect|responsible|within)\b[^.!?\n]{0,40}\b(?:ethical(?:ly)?|respectful|appropriate|legal|responsible)\b",
    ),
)
