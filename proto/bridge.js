/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const bondfw = $root.bondfw = (() => {

    /**
     * Namespace bondfw.
     * @exports bondfw
     * @namespace
     */
    const bondfw = {};

    bondfw.bridge = (function() {

        /**
         * Namespace bridge.
         * @memberof bondfw
         * @namespace
         */
        const bridge = {};

        bridge.Message = (function() {

            /**
             * Properties of a Message.
             * @typedef {Object} bondfw.bridge.Message.$Properties
             * @property {number|null} [seq] Message seq
             * @property {bondfw.bridge.Hello.$Properties|null} [hello] Message hello
             * @property {bondfw.bridge.Info.$Properties|null} [info] Message info
             * @property {bondfw.bridge.Program.$Properties|null} [program] Message program
             * @property {bondfw.bridge.Result.$Properties|null} [result] Message result
             * @property {bondfw.bridge.LinkEvent.$Properties|null} [linkEvent] Message linkEvent
             * @property {bondfw.bridge.RawFrame.$Properties|null} [rawFrame] Message rawFrame
             * @property {bondfw.bridge.IrqProgram.$Properties|null} [irqProgram] Message irqProgram
             * @property {"hello"|"info"|"program"|"result"|"linkEvent"|"rawFrame"|"irqProgram"} [body] Message body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Message.
             * @memberof bondfw.bridge
             * @interface IMessage
             * @augments bondfw.bridge.Message.$Properties
             * @deprecated Use bondfw.bridge.Message.$Properties instead.
             */

            /**
             * Narrowed shape of a Message.
             * @typedef {{
             *   seq?: number|null;
             *   hello?: bondfw.bridge.Hello.$Shape|null;
             *   info?: bondfw.bridge.Info.$Shape|null;
             *   program?: bondfw.bridge.Program.$Shape|null;
             *   result?: bondfw.bridge.Result.$Shape|null;
             *   linkEvent?: bondfw.bridge.LinkEvent.$Shape|null;
             *   rawFrame?: bondfw.bridge.RawFrame.$Shape|null;
             *   irqProgram?: bondfw.bridge.IrqProgram.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; hello?: null; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "hello"; hello: bondfw.bridge.Hello.$Shape; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "info"; hello?: null; info: bondfw.bridge.Info.$Shape; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "program"; hello?: null; info?: null; program: bondfw.bridge.Program.$Shape; result?: null; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "result"; hello?: null; info?: null; program?: null; result: bondfw.bridge.Result.$Shape; linkEvent?: null; rawFrame?: null; irqProgram?: null }|{ body?: "linkEvent"; hello?: null; info?: null; program?: null; result?: null; linkEvent: bondfw.bridge.LinkEvent.$Shape; rawFrame?: null; irqProgram?: null }|{ body?: "rawFrame"; hello?: null; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame: bondfw.bridge.RawFrame.$Shape; irqProgram?: null }|{ body?: "irqProgram"; hello?: null; info?: null; program?: null; result?: null; linkEvent?: null; rawFrame?: null; irqProgram: bondfw.bridge.IrqProgram.$Shape })
             * )} bondfw.bridge.Message.$Shape
             */

            /**
             * Constructs a new Message.
             * @memberof bondfw.bridge
             * @classdesc Represents a Message.
             * @constructor
             * @param {bondfw.bridge.Message.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Message = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Message seq.
             * @member {number} seq
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.seq = 0;

            /**
             * Message hello.
             * @member {bondfw.bridge.Hello.$Properties|null|undefined} hello
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.hello = null;

            /**
             * Message info.
             * @member {bondfw.bridge.Info.$Properties|null|undefined} info
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.info = null;

            /**
             * Message program.
             * @member {bondfw.bridge.Program.$Properties|null|undefined} program
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.program = null;

            /**
             * Message result.
             * @member {bondfw.bridge.Result.$Properties|null|undefined} result
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.result = null;

            /**
             * Message linkEvent.
             * @member {bondfw.bridge.LinkEvent.$Properties|null|undefined} linkEvent
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.linkEvent = null;

            /**
             * Message rawFrame.
             * @member {bondfw.bridge.RawFrame.$Properties|null|undefined} rawFrame
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.rawFrame = null;

            /**
             * Message irqProgram.
             * @member {bondfw.bridge.IrqProgram.$Properties|null|undefined} irqProgram
             * @memberof bondfw.bridge.Message
             * @instance
             */
            Message.prototype.irqProgram = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Message body.
             * @member {"hello"|"info"|"program"|"result"|"linkEvent"|"rawFrame"|"irqProgram"|undefined} body
             * @memberof bondfw.bridge.Message
             * @instance
             */
            $Object.defineProperty(Message.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["hello", "info", "program", "result", "linkEvent", "rawFrame", "irqProgram"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Message instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.Message
             * @static
             * @param {bondfw.bridge.Message.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.Message} Message instance
             * @type {{
             *   (properties: bondfw.bridge.Message.$Shape): bondfw.bridge.Message & bondfw.bridge.Message.$Shape;
             *   (properties?: bondfw.bridge.Message.$Properties): bondfw.bridge.Message;
             * }}
             */
            Message.create = function(properties) {
                return new Message(properties);
            };

            /**
             * Encodes the specified Message message. Does not implicitly {@link bondfw.bridge.Message.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.Message
             * @static
             * @param {bondfw.bridge.Message.$Properties} message Message message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Message.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && message.seq !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.seq);
                if (message.hello != null && $Object.hasOwnProperty.call(message, "hello"))
                    $root.bondfw.bridge.Hello.encode(message.hello, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.info != null && $Object.hasOwnProperty.call(message, "info"))
                    $root.bondfw.bridge.Info.encode(message.info, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.program != null && $Object.hasOwnProperty.call(message, "program"))
                    $root.bondfw.bridge.Program.encode(message.program, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.result != null && $Object.hasOwnProperty.call(message, "result"))
                    $root.bondfw.bridge.Result.encode(message.result, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.linkEvent != null && $Object.hasOwnProperty.call(message, "linkEvent"))
                    $root.bondfw.bridge.LinkEvent.encode(message.linkEvent, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.rawFrame != null && $Object.hasOwnProperty.call(message, "rawFrame"))
                    $root.bondfw.bridge.RawFrame.encode(message.rawFrame, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.irqProgram != null && $Object.hasOwnProperty.call(message, "irqProgram"))
                    $root.bondfw.bridge.IrqProgram.encode(message.irqProgram, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Message message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.Message
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.Message & bondfw.bridge.Message.$Shape} Message
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Message.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.Message();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.seq = value;
                            else
                                delete message.seq;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.hello = $root.bondfw.bridge.Hello.decode(reader, reader.size(), $undefined, _depth + 1, message.hello);
                            message.body = "hello";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.info = $root.bondfw.bridge.Info.decode(reader, reader.size(), $undefined, _depth + 1, message.info);
                            message.body = "info";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.program = $root.bondfw.bridge.Program.decode(reader, reader.size(), $undefined, _depth + 1, message.program);
                            message.body = "program";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.result = $root.bondfw.bridge.Result.decode(reader, reader.size(), $undefined, _depth + 1, message.result);
                            message.body = "result";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.linkEvent = $root.bondfw.bridge.LinkEvent.decode(reader, reader.size(), $undefined, _depth + 1, message.linkEvent);
                            message.body = "linkEvent";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.rawFrame = $root.bondfw.bridge.RawFrame.decode(reader, reader.size(), $undefined, _depth + 1, message.rawFrame);
                            message.body = "rawFrame";
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.irqProgram = $root.bondfw.bridge.IrqProgram.decode(reader, reader.size(), $undefined, _depth + 1, message.irqProgram);
                            message.body = "irqProgram";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Message;
        })();

        bridge.Hello = (function() {

            /**
             * Properties of a Hello.
             * @typedef {Object} bondfw.bridge.Hello.$Properties
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Hello.
             * @memberof bondfw.bridge
             * @interface IHello
             * @augments bondfw.bridge.Hello.$Properties
             * @deprecated Use bondfw.bridge.Hello.$Properties instead.
             */

            /**
             * Shape of a Hello.
             * @typedef {bondfw.bridge.Hello.$Properties} bondfw.bridge.Hello.$Shape
             */

            /**
             * Constructs a new Hello.
             * @memberof bondfw.bridge
             * @classdesc Represents a Hello.
             * @constructor
             * @param {bondfw.bridge.Hello.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Hello = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Creates a new Hello instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.Hello
             * @static
             * @param {bondfw.bridge.Hello.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.Hello} Hello instance
             * @type {{
             *   (properties: bondfw.bridge.Hello.$Shape): bondfw.bridge.Hello & bondfw.bridge.Hello.$Shape;
             *   (properties?: bondfw.bridge.Hello.$Properties): bondfw.bridge.Hello;
             * }}
             */
            Hello.create = function(properties) {
                return new Hello(properties);
            };

            /**
             * Encodes the specified Hello message. Does not implicitly {@link bondfw.bridge.Hello.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.Hello
             * @static
             * @param {bondfw.bridge.Hello.$Properties} message Hello message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Hello.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Hello message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.Hello
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.Hello & bondfw.bridge.Hello.$Shape} Hello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Hello.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.Hello();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    reader.skipType(tag & 7, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Hello;
        })();

        bridge.Info = (function() {

            /**
             * Properties of an Info.
             * @typedef {Object} bondfw.bridge.Info.$Properties
             * @property {string|null} [firmwareVersion] Info firmwareVersion
             * @property {number|null} [mdioClockHz] Info mdioClockHz
             * @property {number|null} [capabilities] Info capabilities
             * @property {number|null} [maxOps] Info maxOps
             * @property {number|null} [bootId] Info bootId
             * @property {number|null} [irqLines] Info irqLines
             * @property {number|null} [bootNonce] Info bootNonce
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Info.
             * @memberof bondfw.bridge
             * @interface IInfo
             * @augments bondfw.bridge.Info.$Properties
             * @deprecated Use bondfw.bridge.Info.$Properties instead.
             */

            /**
             * Shape of an Info.
             * @typedef {bondfw.bridge.Info.$Properties} bondfw.bridge.Info.$Shape
             */

            /**
             * Constructs a new Info.
             * @memberof bondfw.bridge
             * @classdesc Represents an Info.
             * @constructor
             * @param {bondfw.bridge.Info.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Info = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Info firmwareVersion.
             * @member {string} firmwareVersion
             * @memberof bondfw.bridge.Info
             * @instance
             */
            Info.prototype.firmwareVersion = "";

            /**
             * Info mdioClockHz.
             * @member {number} mdioClockHz
             * @memberof bondfw.bridge.Info
             * @instance
             */
            Info.prototype.mdioClockHz = 0;

            /**
             * Info capabilities.
             * @member {number} capabilities
             * @memberof bondfw.bridge.Info
             * @instance
             */
            Info.prototype.capabilities = 0;

            /**
             * Info maxOps.
             * @member {number} maxOps
             * @memberof bondfw.bridge.Info
             * @instance
             */
            Info.prototype.maxOps = 0;

            /**
             * Info bootId.
             * @member {number} bootId
             * @memberof bondfw.bridge.Info
             * @instance
             */
            Info.prototype.bootId = 0;

            /**
             * Info irqLines.
             * @member {number} irqLines
             * @memberof bondfw.bridge.Info
             * @instance
             */
            Info.prototype.irqLines = 0;

            /**
             * Info bootNonce.
             * @member {number} bootNonce
             * @memberof bondfw.bridge.Info
             * @instance
             */
            Info.prototype.bootNonce = 0;

            /**
             * Creates a new Info instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.Info
             * @static
             * @param {bondfw.bridge.Info.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.Info} Info instance
             * @type {{
             *   (properties: bondfw.bridge.Info.$Shape): bondfw.bridge.Info & bondfw.bridge.Info.$Shape;
             *   (properties?: bondfw.bridge.Info.$Properties): bondfw.bridge.Info;
             * }}
             */
            Info.create = function(properties) {
                return new Info(properties);
            };

            /**
             * Encodes the specified Info message. Does not implicitly {@link bondfw.bridge.Info.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.Info
             * @static
             * @param {bondfw.bridge.Info.$Properties} message Info message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Info.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.firmwareVersion != null && $Object.hasOwnProperty.call(message, "firmwareVersion") && message.firmwareVersion !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.firmwareVersion);
                if (message.mdioClockHz != null && $Object.hasOwnProperty.call(message, "mdioClockHz") && message.mdioClockHz !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.mdioClockHz);
                if (message.capabilities != null && $Object.hasOwnProperty.call(message, "capabilities") && message.capabilities !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.capabilities);
                if (message.maxOps != null && $Object.hasOwnProperty.call(message, "maxOps") && message.maxOps !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.maxOps);
                if (message.bootId != null && $Object.hasOwnProperty.call(message, "bootId") && message.bootId !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.bootId);
                if (message.irqLines != null && $Object.hasOwnProperty.call(message, "irqLines") && message.irqLines !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.irqLines);
                if (message.bootNonce != null && $Object.hasOwnProperty.call(message, "bootNonce") && message.bootNonce !== 0)
                    writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.bootNonce);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Info message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.Info
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.Info & bondfw.bridge.Info.$Shape} Info
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Info.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.Info();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.firmwareVersion = value;
                            else
                                delete message.firmwareVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.mdioClockHz = value;
                            else
                                delete message.mdioClockHz;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.capabilities = value;
                            else
                                delete message.capabilities;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.maxOps = value;
                            else
                                delete message.maxOps;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.bootId = value;
                            else
                                delete message.bootId;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.irqLines = value;
                            else
                                delete message.irqLines;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.bootNonce = value;
                            else
                                delete message.bootNonce;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Info;
        })();

        bridge.Program = (function() {

            /**
             * Properties of a Program.
             * @typedef {Object} bondfw.bridge.Program.$Properties
             * @property {Array.<number>|null} [code] Program code
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Program.
             * @memberof bondfw.bridge
             * @interface IProgram
             * @augments bondfw.bridge.Program.$Properties
             * @deprecated Use bondfw.bridge.Program.$Properties instead.
             */

            /**
             * Shape of a Program.
             * @typedef {bondfw.bridge.Program.$Properties} bondfw.bridge.Program.$Shape
             */

            /**
             * Constructs a new Program.
             * @memberof bondfw.bridge
             * @classdesc Represents a Program.
             * @constructor
             * @param {bondfw.bridge.Program.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Program = function (properties) {
                this.code = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Program code.
             * @member {Array.<number>} code
             * @memberof bondfw.bridge.Program
             * @instance
             */
            Program.prototype.code = $util.emptyArray;

            /**
             * Creates a new Program instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.Program
             * @static
             * @param {bondfw.bridge.Program.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.Program} Program instance
             * @type {{
             *   (properties: bondfw.bridge.Program.$Shape): bondfw.bridge.Program & bondfw.bridge.Program.$Shape;
             *   (properties?: bondfw.bridge.Program.$Properties): bondfw.bridge.Program;
             * }}
             */
            Program.create = function(properties) {
                return new Program(properties);
            };

            /**
             * Encodes the specified Program message. Does not implicitly {@link bondfw.bridge.Program.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.Program
             * @static
             * @param {bondfw.bridge.Program.$Properties} message Program message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Program.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.code != null && message.code.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).uint32s(message.code);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Program message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.Program
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.Program & bondfw.bridge.Program.$Shape} Program
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Program.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.Program();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType === 2) {
                                if (!(message.code && message.code.length))
                                    message.code = [];
                                reader.uint32s(message.code);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.code && message.code.length))
                                message.code = [];
                            message.code.push(reader.uint32());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Program;
        })();

        bridge.Result = (function() {

            /**
             * Properties of a Result.
             * @typedef {Object} bondfw.bridge.Result.$Properties
             * @property {bondfw.bridge.Result.Status|null} [status] Result status
             * @property {Array.<number>|null} [values] Result values
             * @property {number|null} [failedAt] Result failedAt
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Result.
             * @memberof bondfw.bridge
             * @interface IResult
             * @augments bondfw.bridge.Result.$Properties
             * @deprecated Use bondfw.bridge.Result.$Properties instead.
             */

            /**
             * Shape of a Result.
             * @typedef {bondfw.bridge.Result.$Properties} bondfw.bridge.Result.$Shape
             */

            /**
             * Constructs a new Result.
             * @memberof bondfw.bridge
             * @classdesc Represents a Result.
             * @constructor
             * @param {bondfw.bridge.Result.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Result = function (properties) {
                this.values = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Result status.
             * @member {bondfw.bridge.Result.Status} status
             * @memberof bondfw.bridge.Result
             * @instance
             */
            Result.prototype.status = 0;

            /**
             * Result values.
             * @member {Array.<number>} values
             * @memberof bondfw.bridge.Result
             * @instance
             */
            Result.prototype.values = $util.emptyArray;

            /**
             * Result failedAt.
             * @member {number} failedAt
             * @memberof bondfw.bridge.Result
             * @instance
             */
            Result.prototype.failedAt = 0;

            /**
             * Creates a new Result instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.Result
             * @static
             * @param {bondfw.bridge.Result.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.Result} Result instance
             * @type {{
             *   (properties: bondfw.bridge.Result.$Shape): bondfw.bridge.Result & bondfw.bridge.Result.$Shape;
             *   (properties?: bondfw.bridge.Result.$Properties): bondfw.bridge.Result;
             * }}
             */
            Result.create = function(properties) {
                return new Result(properties);
            };

            /**
             * Encodes the specified Result message. Does not implicitly {@link bondfw.bridge.Result.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.Result
             * @static
             * @param {bondfw.bridge.Result.$Properties} message Result message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Result.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).int32(message.status);
                if (message.values != null && message.values.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).uint32s(message.values);
                if (message.failedAt != null && $Object.hasOwnProperty.call(message, "failedAt") && message.failedAt !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.failedAt);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Result message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.Result
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.Result & bondfw.bridge.Result.$Shape} Result
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Result.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.Result();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 2: {
                            if (wireType === 2) {
                                if (!(message.values && message.values.length))
                                    message.values = [];
                                reader.uint32s(message.values);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.values && message.values.length))
                                message.values = [];
                            message.values.push(reader.uint32());
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.failedAt = value;
                            else
                                delete message.failedAt;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Status enum.
             * @name bondfw.bridge.Result.Status
             * @enum {number}
             * @property {number} OK=0 OK value
             * @property {number} WAIT_TIMEOUT=1 WAIT_TIMEOUT value
             * @property {number} BAD_PROGRAM=2 BAD_PROGRAM value
             * @property {number} TOO_LONG=3 TOO_LONG value
             * @property {number} UNIT_TIMEOUT=4 UNIT_TIMEOUT value
             */
            Result.Status = (function() {
                const valuesById = $Object.create(null), values = $Object.create(valuesById);
                values[valuesById[0] = "OK"] = 0;
                values[valuesById[1] = "WAIT_TIMEOUT"] = 1;
                values[valuesById[2] = "BAD_PROGRAM"] = 2;
                values[valuesById[3] = "TOO_LONG"] = 3;
                values[valuesById[4] = "UNIT_TIMEOUT"] = 4;
                return values;
            })();

            return Result;
        })();

        bridge.LinkEvent = (function() {

            /**
             * Properties of a LinkEvent.
             * @typedef {Object} bondfw.bridge.LinkEvent.$Properties
             * @property {number|null} [line] LinkEvent line
             * @property {boolean|null} [asserted] LinkEvent asserted
             * @property {Array.<number>|null} [values] LinkEvent values
             * @property {bondfw.bridge.Result.Status|null} [status] LinkEvent status
             * @property {number|null} [failedAt] LinkEvent failedAt
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a LinkEvent.
             * @memberof bondfw.bridge
             * @interface ILinkEvent
             * @augments bondfw.bridge.LinkEvent.$Properties
             * @deprecated Use bondfw.bridge.LinkEvent.$Properties instead.
             */

            /**
             * Shape of a LinkEvent.
             * @typedef {bondfw.bridge.LinkEvent.$Properties} bondfw.bridge.LinkEvent.$Shape
             */

            /**
             * Constructs a new LinkEvent.
             * @memberof bondfw.bridge
             * @classdesc Represents a LinkEvent.
             * @constructor
             * @param {bondfw.bridge.LinkEvent.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const LinkEvent = function (properties) {
                this.values = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * LinkEvent line.
             * @member {number} line
             * @memberof bondfw.bridge.LinkEvent
             * @instance
             */
            LinkEvent.prototype.line = 0;

            /**
             * LinkEvent asserted.
             * @member {boolean} asserted
             * @memberof bondfw.bridge.LinkEvent
             * @instance
             */
            LinkEvent.prototype.asserted = false;

            /**
             * LinkEvent values.
             * @member {Array.<number>} values
             * @memberof bondfw.bridge.LinkEvent
             * @instance
             */
            LinkEvent.prototype.values = $util.emptyArray;

            /**
             * LinkEvent status.
             * @member {bondfw.bridge.Result.Status} status
             * @memberof bondfw.bridge.LinkEvent
             * @instance
             */
            LinkEvent.prototype.status = 0;

            /**
             * LinkEvent failedAt.
             * @member {number} failedAt
             * @memberof bondfw.bridge.LinkEvent
             * @instance
             */
            LinkEvent.prototype.failedAt = 0;

            /**
             * Creates a new LinkEvent instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.LinkEvent
             * @static
             * @param {bondfw.bridge.LinkEvent.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.LinkEvent} LinkEvent instance
             * @type {{
             *   (properties: bondfw.bridge.LinkEvent.$Shape): bondfw.bridge.LinkEvent & bondfw.bridge.LinkEvent.$Shape;
             *   (properties?: bondfw.bridge.LinkEvent.$Properties): bondfw.bridge.LinkEvent;
             * }}
             */
            LinkEvent.create = function(properties) {
                return new LinkEvent(properties);
            };

            /**
             * Encodes the specified LinkEvent message. Does not implicitly {@link bondfw.bridge.LinkEvent.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.LinkEvent
             * @static
             * @param {bondfw.bridge.LinkEvent.$Properties} message LinkEvent message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            LinkEvent.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.line != null && $Object.hasOwnProperty.call(message, "line") && message.line !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.line);
                if (message.asserted != null && $Object.hasOwnProperty.call(message, "asserted") && message.asserted !== false)
                    writer.uint32(/* id 2, wireType 0 =*/16).bool(message.asserted);
                if (message.values != null && message.values.length)
                    writer.uint32(/* id 3, wireType 2 =*/26).uint32s(message.values);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).int32(message.status);
                if (message.failedAt != null && $Object.hasOwnProperty.call(message, "failedAt") && message.failedAt !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.failedAt);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a LinkEvent message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.LinkEvent
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.LinkEvent & bondfw.bridge.LinkEvent.$Shape} LinkEvent
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            LinkEvent.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.LinkEvent();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.line = value;
                            else
                                delete message.line;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.asserted = value;
                            else
                                delete message.asserted;
                            continue;
                        }
                    case 3: {
                            if (wireType === 2) {
                                if (!(message.values && message.values.length))
                                    message.values = [];
                                reader.uint32s(message.values);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.values && message.values.length))
                                message.values = [];
                            message.values.push(reader.uint32());
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.failedAt = value;
                            else
                                delete message.failedAt;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return LinkEvent;
        })();

        bridge.IrqProgram = (function() {

            /**
             * Properties of an IrqProgram.
             * @typedef {Object} bondfw.bridge.IrqProgram.$Properties
             * @property {number|null} [line] IrqProgram line
             * @property {Array.<number>|null} [code] IrqProgram code
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an IrqProgram.
             * @memberof bondfw.bridge
             * @interface IIrqProgram
             * @augments bondfw.bridge.IrqProgram.$Properties
             * @deprecated Use bondfw.bridge.IrqProgram.$Properties instead.
             */

            /**
             * Shape of an IrqProgram.
             * @typedef {bondfw.bridge.IrqProgram.$Properties} bondfw.bridge.IrqProgram.$Shape
             */

            /**
             * Constructs a new IrqProgram.
             * @memberof bondfw.bridge
             * @classdesc Represents an IrqProgram.
             * @constructor
             * @param {bondfw.bridge.IrqProgram.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const IrqProgram = function (properties) {
                this.code = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * IrqProgram line.
             * @member {number} line
             * @memberof bondfw.bridge.IrqProgram
             * @instance
             */
            IrqProgram.prototype.line = 0;

            /**
             * IrqProgram code.
             * @member {Array.<number>} code
             * @memberof bondfw.bridge.IrqProgram
             * @instance
             */
            IrqProgram.prototype.code = $util.emptyArray;

            /**
             * Creates a new IrqProgram instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.IrqProgram
             * @static
             * @param {bondfw.bridge.IrqProgram.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.IrqProgram} IrqProgram instance
             * @type {{
             *   (properties: bondfw.bridge.IrqProgram.$Shape): bondfw.bridge.IrqProgram & bondfw.bridge.IrqProgram.$Shape;
             *   (properties?: bondfw.bridge.IrqProgram.$Properties): bondfw.bridge.IrqProgram;
             * }}
             */
            IrqProgram.create = function(properties) {
                return new IrqProgram(properties);
            };

            /**
             * Encodes the specified IrqProgram message. Does not implicitly {@link bondfw.bridge.IrqProgram.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.IrqProgram
             * @static
             * @param {bondfw.bridge.IrqProgram.$Properties} message IrqProgram message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            IrqProgram.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.line != null && $Object.hasOwnProperty.call(message, "line") && message.line !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.line);
                if (message.code != null && message.code.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).uint32s(message.code);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an IrqProgram message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.IrqProgram
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.IrqProgram & bondfw.bridge.IrqProgram.$Shape} IrqProgram
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            IrqProgram.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.IrqProgram();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.line = value;
                            else
                                delete message.line;
                            continue;
                        }
                    case 2: {
                            if (wireType === 2) {
                                if (!(message.code && message.code.length))
                                    message.code = [];
                                reader.uint32s(message.code);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.code && message.code.length))
                                message.code = [];
                            message.code.push(reader.uint32());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return IrqProgram;
        })();

        bridge.RawFrame = (function() {

            /**
             * Properties of a RawFrame.
             * @typedef {Object} bondfw.bridge.RawFrame.$Properties
             * @property {Uint8Array|null} [data] RawFrame data
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a RawFrame.
             * @memberof bondfw.bridge
             * @interface IRawFrame
             * @augments bondfw.bridge.RawFrame.$Properties
             * @deprecated Use bondfw.bridge.RawFrame.$Properties instead.
             */

            /**
             * Shape of a RawFrame.
             * @typedef {bondfw.bridge.RawFrame.$Properties} bondfw.bridge.RawFrame.$Shape
             */

            /**
             * Constructs a new RawFrame.
             * @memberof bondfw.bridge
             * @classdesc Represents a RawFrame.
             * @constructor
             * @param {bondfw.bridge.RawFrame.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const RawFrame = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * RawFrame data.
             * @member {Uint8Array} data
             * @memberof bondfw.bridge.RawFrame
             * @instance
             */
            RawFrame.prototype.data = $util.newBuffer([]);

            /**
             * Creates a new RawFrame instance using the specified properties.
             * @function create
             * @memberof bondfw.bridge.RawFrame
             * @static
             * @param {bondfw.bridge.RawFrame.$Properties=} [properties] Properties to set
             * @returns {bondfw.bridge.RawFrame} RawFrame instance
             * @type {{
             *   (properties: bondfw.bridge.RawFrame.$Shape): bondfw.bridge.RawFrame & bondfw.bridge.RawFrame.$Shape;
             *   (properties?: bondfw.bridge.RawFrame.$Properties): bondfw.bridge.RawFrame;
             * }}
             */
            RawFrame.create = function(properties) {
                return new RawFrame(properties);
            };

            /**
             * Encodes the specified RawFrame message. Does not implicitly {@link bondfw.bridge.RawFrame.verify|verify} messages.
             * @function encode
             * @memberof bondfw.bridge.RawFrame
             * @static
             * @param {bondfw.bridge.RawFrame.$Properties} message RawFrame message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            RawFrame.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.data != null && $Object.hasOwnProperty.call(message, "data") && message.data.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.data);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a RawFrame message from the specified reader or buffer.
             * @function decode
             * @memberof bondfw.bridge.RawFrame
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {bondfw.bridge.RawFrame & bondfw.bridge.RawFrame.$Shape} RawFrame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            RawFrame.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.bondfw.bridge.RawFrame();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.data = value;
                            else
                                delete message.data;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return RawFrame;
        })();

        return bridge;
    })();

    return bondfw;
})();

export {
  $root as default
};
